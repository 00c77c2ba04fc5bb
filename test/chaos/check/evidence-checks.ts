/**
 * Device results are evidence: each one a device published must be in the log, as the result
 * or as the one late result (rule 6). Answers still scheduled when the fleet was closed are
 * left out: they were never sent.
 */
import type { DeviceAnswer } from '../load/device-evidence.js';
import type { Streams } from './log-reader.js';
import { type Violation, violation } from './violation.js';

export interface EvidenceFigures {
  readonly resultsSent: number;
  readonly recorded: number;
  readonly recordedLate: number;
  /** Results published while the broker restarted, until the ledger had re-subscribed. */
  readonly inBrokerGap: number;
  /** Of those, how many the broker dropped (Mosquitto 2.0; not counted as violations). */
  readonly droppedInBrokerGap: number;
}

/** [from, to] epoch ms: the broker was down or its shared subscriptions not yet restored. */
export type Window = readonly [number, number];

export function checkEvidence(
  answers: ReadonlyMap<string, DeviceAnswer>,
  fleetClosedAt: number,
  brokerGaps: readonly Window[],
  streams: Streams,
  found: Violation[],
): EvidenceFigures {
  let resultsSent = 0;
  let recorded = 0;
  let recordedLate = 0;
  let inBrokerGap = 0;
  let droppedInBrokerGap = 0;
  for (const [id, a] of answers) {
    if (a.sentBy >= fleetClosedAt - 500) continue;
    resultsSent++;
    const inGap = brokerGaps.some(([from, to]) => a.resultAt >= from && a.resultAt <= to);
    if (inGap) inBrokerGap++;
    const events = streams.get(id) ?? [];
    const result = events.find((e) => e.type === 'CommandExecuted' || e.type === 'CommandFailed');
    const late = events.find((e) => e.type === 'CommandLateResultObserved');
    if (result && result.type === (a.status === 'executed' ? 'CommandExecuted' : 'CommandFailed'))
      recorded++;
    else if (late && (late.data as { status?: unknown }).status === a.status) recordedLate++;
    else if (inGap) droppedInBrokerGap++;
    else
      found.push(
        violation(
          'device_result_lost',
          `${a.deviceId} answered ${a.status} by ${new Date(a.sentBy).toISOString()}; the log has ${events.map((e) => e.type).join(', ') || 'nothing'}`,
          id,
        ),
      );
  }
  return { resultsSent, recorded, recordedLate, inBrokerGap, droppedInBrokerGap };
}
