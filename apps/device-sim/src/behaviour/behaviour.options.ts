/**
 * How a simulated device misbehaves. Every adversarial behaviour has a rate in [0, 1], drawn
 * from the device's seeded stream: per intent for its answers, per connection for its presence.
 * All rates 0 (and no going offline) is an honest device.
 */
export interface BehaviourOptions {
  /** Send 1–3 extra copies of the ack and of the result. */
  readonly duplicateRate: number;
  /** Chance that an intent's answers are delayed by a random time up to `delayMaxMs`. */
  readonly delayRate: number;
  /** 0 (the default) disables delays whatever `delayRate` says. */
  readonly delayMaxMs: number;
  /** The honest device's execution time: the result follows the ack by this much. */
  readonly resultDelayMs: number;
  /** Publish the result first, the ack after it. */
  readonly resultBeforeAckRate: number;
  /** Never ack, answer with the result only. */
  readonly noAckRate: number;
  /** Never answer at all. */
  readonly silentRate: number;
  /** Answer `{ status: 'failed', error }` instead of `executed`. */
  readonly failureRate: number;
  /** After a reconnect, re-publish each buffered old answer with this chance. */
  readonly replayRate: number;
  /** Also publish the answers under another device's id (same commandId), before the real ones. */
  readonly spoofRate: number;
  /**
   * Refuse an intent whose `expiresAt` has passed, as a real device (and @ratchet/device) does:
   * ack, then `failed` with the reason; false executes it anyway.
   */
  readonly refuseExpired: boolean;
  /**
   * Take each connection offline about this often (a random time between half and all of it);
   * 0 never does.
   */
  readonly offlineEveryMs: number;
  /** How long a connection stays offline before it comes back at a new epoch. */
  readonly offlineForMs: number;
  /** Going offline uncleanly (the socket dropped: the broker publishes the will) rather than with a goodbye. */
  readonly uncleanOfflineRate: number;
  /** After a (re)connection, publish an older session's `offline`: a will delivered late. */
  readonly staleWillRate: number;
  /** After a (re)connection, publish an older session's `online`: a replayed birth. */
  readonly replayedBirthRate: number;
}

export const HONEST: BehaviourOptions = {
  duplicateRate: 0,
  // With delayMaxMs 0 this delays nothing; it makes `--delay-max-ms 500` alone mean "delay".
  delayRate: 1,
  delayMaxMs: 0,
  resultDelayMs: 0,
  resultBeforeAckRate: 0,
  noAckRate: 0,
  silentRate: 0,
  failureRate: 0,
  replayRate: 0,
  spoofRate: 0,
  refuseExpired: true,
  offlineEveryMs: 0,
  offlineForMs: 2000,
  uncleanOfflineRate: 0.5,
  staleWillRate: 0,
  replayedBirthRate: 0,
};

const RATES = [
  'duplicateRate',
  'delayRate',
  'resultBeforeAckRate',
  'noAckRate',
  'silentRate',
  'failureRate',
  'replayRate',
  'spoofRate',
  'uncleanOfflineRate',
  'staleWillRate',
  'replayedBirthRate',
] as const satisfies readonly (keyof BehaviourOptions)[];

const DURATIONS = [
  'delayMaxMs',
  'resultDelayMs',
  'offlineEveryMs',
  'offlineForMs',
] as const satisfies readonly (keyof BehaviourOptions)[];

/** Fills defaults and rejects nonsense (a rate of 2, a negative delay) with one message each. */
export function resolveBehaviour(partial: Partial<BehaviourOptions> = {}): BehaviourOptions {
  const b: BehaviourOptions = { ...HONEST, ...partial };
  const problems = [
    ...RATES.filter((k) => !(b[k] >= 0 && b[k] <= 1)).map((k) => `${k} must be in [0, 1]`),
    ...DURATIONS.filter((k) => !(Number.isInteger(b[k]) && b[k] >= 0)).map(
      (k) => `${k} must be a whole number of milliseconds ≥ 0`,
    ),
  ];
  if (problems.length > 0) throw new RangeError(`invalid device behaviour: ${problems.join('; ')}`);
  return b;
}
