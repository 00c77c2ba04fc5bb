/** What a chaos run takes, with the defaults `npm run chaos` uses. */
import type { BehaviourOptions } from '@ratchet/device-sim';

export interface ChaosOptions {
  readonly minutes: number;
  readonly seed: number;
  readonly instances: number;
  /** Operations per second (issues, cancels, re-issues, reads). */
  readonly rate: number;
  readonly devices: number;
  /** Keep the run directory (cluster, logs) after a successful run too. */
  readonly keep: boolean;
  /** SIGSTOP/SIGCONT one instance once per fault cycle. */
  readonly pause: boolean;
  /**
   * A new LEDGER_INSTANCE_ID per restart, as the service's default (host name and pid) gives;
   * by default each instance keeps one, as a StatefulSet pod would.
   */
  readonly idPerIncarnation: boolean;
  /** A broker restart, a database restart and a pause once per cycle of this many seconds. */
  readonly cycleSeconds: number;
  /** Progress lines; the summary is printed by the caller. */
  readonly say: (line: string) => void;
}

export const DEFAULTS = {
  minutes: 2,
  instances: 3,
  rate: 30,
  devices: 40,
  keep: false,
  pause: true,
  idPerIncarnation: false,
  cycleSeconds: 180,
} as const;

/**
 * Short deadlines, so that "every deadline has passed" comes seconds after the load stops:
 * an ack within 2 s of sending, a result within 5 s of the request, an undispatched command
 * expires after 10 s; the sweeper looks every 250 ms and re-dispatches after 1 s.
 */
export const LEDGER_TIMINGS = {
  LEDGER_ACK_TIMEOUT_MS: '2000',
  LEDGER_TIMEOUT_MS: '5000',
  LEDGER_EXPIRES_IN_MS: '10000',
  LEDGER_SWEEP_INTERVAL_MS: '250',
  LEDGER_REDISPATCH_AFTER_MS: '1000',
} as const;

/** The adversarial fleet: every misbehaviour the simulator has, at rates that make each common. */
export const FLEET_BEHAVIOUR: Partial<BehaviourOptions> = {
  duplicateRate: 0.3,
  delayRate: 0.15,
  delayMaxMs: 3_000,
  resultDelayMs: 20,
  resultBeforeAckRate: 0.1,
  noAckRate: 0.05,
  silentRate: 0.05,
  failureRate: 0.1,
  replayRate: 0.3,
  spoofRate: 0.05,
};
export const FLEET_RECONNECT_EVERY_MS = 20_000;
