/**
 * What a device answers to one intent: pure, given the device's seeded stream and the time.
 * Every call draws the same number of values whatever the rates, so changing one rate does not
 * reshuffle the other choices of a replayed run.
 */
import { expiredError, type ReceivedIntent } from '@ratchet/device';
import { happens, intBetween, type Random } from '../random/seeded-random.js';
import type { BehaviourOptions } from './behaviour.options.js';

export type AnswerKind = 'ack' | 'result';
/** `duplicate`: an extra copy on the device's own topic; `spoof`: a copy under another device. */
export type CopyKind = 'original' | 'duplicate' | 'spoof';
export type ResultBody =
  | { readonly status: 'executed'; readonly output: unknown }
  | { readonly status: 'failed'; readonly error: string };

export interface PlannedMessage {
  /** Milliseconds after the intent arrived; messages are in publishing order. */
  readonly atMs: number;
  readonly kind: AnswerKind;
  readonly copy: CopyKind;
  /** The device id in the topic: the device itself, or the spoofed one. */
  readonly deviceId: string;
  readonly body: ResultBody | Record<string, never>;
}

export type Trait = 'delayed' | 'duplicated' | 'no-ack' | 'result-before-ack' | 'spoofed';

export type AnswerPlan =
  /** Past its `expiresAt`: refused as @ratchet/device refuses it, ack then `failed`. */
  | { readonly outcome: 'expired'; readonly messages: readonly PlannedMessage[] }
  | { readonly outcome: 'silent' }
  | {
      readonly outcome: 'answered';
      readonly status: ResultBody['status'];
      readonly traits: readonly Trait[];
      readonly messages: readonly PlannedMessage[];
    };

export interface PlanInput {
  readonly deviceId: string;
  readonly intent: ReceivedIntent;
  /** When the intent arrived. */
  readonly nowMs: number;
  /** Other devices of the fleet, to spoof. */
  readonly peers: readonly string[];
}

const DRAWS = 11;

export function planAnswer(input: PlanInput, b: BehaviourOptions, rng: Random): AnswerPlan {
  const [silent, noAck, swap, delayed, d1, d2, dup, dupN, failed, spoof, peer] = Array.from(
    { length: DRAWS },
    () => rng.next(),
  ) as [number, number, number, number, number, number, number, number, number, number, number];
  if (b.refuseExpired && input.intent.expiresAtMs <= input.nowMs) return refusal(input);
  if (happens(silent, b.silentRate)) return { outcome: 'silent' };

  const traits: Trait[] = [];
  const isDelayed = b.delayMaxMs > 0 && happens(delayed, b.delayRate);
  if (isDelayed) traits.push('delayed');
  const first = isDelayed ? intBetween(d1, 0, b.delayMaxMs) : 0;
  const second = first + b.resultDelayMs + (isDelayed ? intBetween(d2, 0, b.delayMaxMs) : 0);

  const withoutAck = happens(noAck, b.noAckRate);
  const resultFirst = !withoutAck && happens(swap, b.resultBeforeAckRate);
  if (withoutAck) traits.push('no-ack');
  if (resultFirst) traits.push('result-before-ack');
  const extra = happens(dup, b.duplicateRate) ? intBetween(dupN, 1, 3) : 0;
  if (extra > 0) traits.push('duplicated');
  const spoofAs = happens(spoof, b.spoofRate) ? spoofTarget(input, peer) : undefined;
  if (spoofAs) traits.push('spoofed');

  const { intent, deviceId } = input;
  const status = happens(failed, b.failureRate) ? 'failed' : 'executed';
  const result: ResultBody =
    status === 'failed'
      ? { status, error: `simulated failure of ${intent.name} on ${deviceId}` }
      : { status, output: { device: deviceId, name: intent.name, attempt: intent.attempt } };

  // Spoofs go first, so a ledger that trusted them would record them instead of the real one.
  const burst = (atMs: number, kind: AnswerKind, body: PlannedMessage['body']) => [
    ...(spoofAs ? [{ atMs, kind, copy: 'spoof' as const, deviceId: spoofAs, body }] : []),
    { atMs, kind, copy: 'original' as const, deviceId, body },
    ...Array.from({ length: extra }, () => ({
      atMs,
      kind,
      copy: 'duplicate' as const,
      deviceId,
      body,
    })),
  ];
  const ack = (atMs: number) => (withoutAck ? [] : burst(atMs, 'ack', {}));
  // The result always leaves after the execution time; a late ack trails it by the first delay.
  const messages = resultFirst
    ? [...burst(second, 'result', result), ...ack(second + first)]
    : [...ack(first), ...burst(second, 'result', result)];
  return { outcome: 'answered', status, traits, messages };
}

/** Another device of the fleet, or a made-up neighbour when the fleet has one device. */
function spoofTarget(input: PlanInput, u: number): string {
  const others = input.peers.filter((p) => p !== input.deviceId);
  if (others.length > 0) return others[intBetween(u, 0, others.length - 1)]!;
  return `imposter-${input.deviceId}`.slice(0, 64);
}

/** What an honest device answers to an intent that arrived too late. */
function refusal({ deviceId, intent, nowMs }: PlanInput): AnswerPlan {
  const error = expiredError(intent, nowMs, nowMs);
  const message = (kind: AnswerKind, body: PlannedMessage['body']): PlannedMessage => ({
    atMs: 0,
    kind,
    copy: 'original',
    deviceId,
    body,
  });
  return {
    outcome: 'expired',
    messages: [message('ack', {}), message('result', { status: 'failed', error })],
  };
}
