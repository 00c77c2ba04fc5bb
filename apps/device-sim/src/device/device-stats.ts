import type { AnswerPlan, PlannedMessage } from '../behaviour/plan-answer.js';

/** What a device did. Messages count when they leave (a cancelled timer counts nothing). */
export interface DeviceStats {
  readonly intentsReceived: number;
  /** The same commandId delivered again (answered again with the same answer). */
  readonly duplicateIntents: number;
  readonly invalidIntents: number;
  /** Arrived past their `expiresAt`: refused (ack, then failed), not executed. */
  readonly expiredRefused: number;
  readonly silentIntents: number;
  /** First acks on the device's own topic. */
  readonly acksSent: number;
  readonly duplicateAcksSent: number;
  readonly executedResultsSent: number;
  readonly failedResultsSent: number;
  readonly duplicateResultsSent: number;
  /** Intents answered with a result and deliberately no ack. */
  readonly resultsWithoutAck: number;
  readonly resultsBeforeAck: number;
  /** Acks and results published under another device's id. */
  readonly spoofsSent: number;
  /** Old answers re-published after a reconnect. */
  readonly replaysSent: number;
  /** Births: one per session of the device's connection. */
  readonly births: number;
  /** Clean departures: `offline` published, then DISCONNECT. */
  readonly goodbyes: number;
  /** Departures without a goodbye (the socket dropped): the broker publishes the will. */
  readonly drops: number;
  /** An older session's `offline`, published after a new birth. */
  readonly staleWillsSent: number;
  /** An older session's `online`, published after a new birth. */
  readonly replayedBirthsSent: number;
}

export type PresenceCount =
  'births' | 'goodbyes' | 'drops' | 'staleWillsSent' | 'replayedBirthsSent';

export type MutableDeviceStats = { -readonly [K in keyof DeviceStats]: DeviceStats[K] };

export const emptyStats = (): MutableDeviceStats => ({
  intentsReceived: 0,
  duplicateIntents: 0,
  invalidIntents: 0,
  expiredRefused: 0,
  silentIntents: 0,
  acksSent: 0,
  duplicateAcksSent: 0,
  executedResultsSent: 0,
  failedResultsSent: 0,
  duplicateResultsSent: 0,
  resultsWithoutAck: 0,
  resultsBeforeAck: 0,
  spoofsSent: 0,
  replaysSent: 0,
  births: 0,
  goodbyes: 0,
  drops: 0,
  staleWillsSent: 0,
  replayedBirthsSent: 0,
});

export function sumStats(all: Iterable<DeviceStats>): DeviceStats {
  const total = emptyStats();
  for (const s of all) {
    for (const k of Object.keys(total) as (keyof DeviceStats)[]) total[k] += s[k];
  }
  return total;
}

/** Behaviours counted per intent, when its answer is planned. */
export function countPlan(c: MutableDeviceStats, plan: AnswerPlan): void {
  if (plan.outcome === 'expired') c.expiredRefused++;
  if (plan.outcome === 'silent') c.silentIntents++;
  if (plan.outcome !== 'answered') return;
  if (plan.traits.includes('no-ack')) c.resultsWithoutAck++;
  if (plan.traits.includes('result-before-ack')) c.resultsBeforeAck++;
}

/** Messages counted as they leave. */
export function countSent(c: MutableDeviceStats, m: PlannedMessage): void {
  if (m.copy === 'spoof') c.spoofsSent++;
  else if (m.kind === 'ack') {
    if (m.copy === 'original') c.acksSent++;
    else c.duplicateAcksSent++;
  } else if (m.copy === 'duplicate') c.duplicateResultsSent++;
  else if ('error' in m.body) c.failedResultsSent++;
  else c.executedResultsSent++;
}
