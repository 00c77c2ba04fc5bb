/**
 * How a simulated device misbehaves. Every adversarial behaviour has a rate in [0, 1], drawn
 * per intent from the device's seeded stream; all rates 0 is an honest device.
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
  /** Don't execute an intent whose `expiresAt` has passed (stay silent), as a real device should. */
  readonly ignoreExpired: boolean;
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
  ignoreExpired: true,
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
] as const satisfies readonly (keyof BehaviourOptions)[];

const DURATIONS = [
  'delayMaxMs',
  'resultDelayMs',
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
