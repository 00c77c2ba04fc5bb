/**
 * The final check, after the run has settled: the whole log read again from the start, the
 * command_status table, and what the client was answered. Pure but for the two reads.
 */
import type { EventStore } from '@ratchet/event-store';
import type { ClientRecord } from '../load/client-record.js';
import type { DeviceAnswer } from '../load/device-evidence.js';
import { checkEvidence, type EvidenceFigures, type Window } from './evidence-checks.js';
import { type ClientFigures, checkClient } from './client-checks.js';
import { type LogFollower, readAllStreams, type Streams } from './log-reader.js';
import { checkReadModel } from './read-model-checks.js';
import { readCommandStatus } from './read-model-rows.js';
import { checkRetries, type RetryFigures } from './retry-checks.js';
import { checkSpoofs } from './spoof-checks.js';
import { checkStreams } from './stream-checks.js';
import { checkFleets, type FleetFigures } from './fleet-checks.js';
import { checkQueues, type QueueFigures } from './queue-checks.js';
import type { RecordedEvent } from '@ratchet/event-store';
import { runVerify } from './verify-check.js';
import { type Violation, violation } from './violation.js';

export interface LedgerFigures {
  readonly client: ClientFigures;
  readonly retries: RetryFigures;
  readonly commandsInLog: number;
  readonly events: number;
  readonly eventsByType: Record<string, number>;
  readonly finalStatuses: Record<string, number>;
  readonly lateResults: number;
  readonly deviceEvents: number;
  readonly readModelRowsCompared: number;
  /** What `verifyLedger` (libs/read-models) read and compared. */
  readonly evidence: EvidenceFigures;
  readonly verify: { readonly events: number; readonly compared: number; readonly clean: boolean };
  /** Fleet commands in the log and their children (fleet-checks.ts). */
  readonly fleets: FleetFigures;
  /** Device streams and keyed commands (queue-checks.ts). */
  readonly queues: QueueFigures;
}

export interface CheckOutcome {
  readonly violations: Violation[];
  readonly figures: LedgerFigures;
}

export async function checkLedger(
  store: EventStore,
  databaseUrl: string,
  follower: LogFollower,
  record: ClientRecord,
  answers: {
    readonly byCommand: ReadonlyMap<string, DeviceAnswer>;
    readonly fleetClosedAt: number;
    readonly brokerGaps: readonly Window[];
  },
): Promise<CheckOutcome> {
  const found: Violation[] = [];
  const streams = await readAllStreams(store);
  await follower.poll();
  compareReads(streams, follower.streams, found);
  const folded = checkStreams(streams, found);
  const retries = checkRetries(folded.states, found);
  const deviceEvents = checkSpoofs(streams, folded.states, found);
  const client = checkClient(record, streams, folded, found);
  const evidence = checkEvidence(
    answers.byCommand,
    answers.fleetClosedAt,
    answers.brokerGaps,
    streams,
    found,
  );
  const rows = await readCommandStatus(databaseUrl);
  const readModelRowsCompared = checkReadModel(folded.states, rows, found);
  const verify = await runVerify(store, databaseUrl, found);
  const fleets = checkFleets(await fleetLog(store, streams), found);
  const queues = checkQueues(await prefixedLog(store, streams, 'device-'), found);
  const eventsByType: Record<string, number> = {};
  let events = 0;
  for (const list of streams.values())
    for (const e of list) {
      events++;
      eventsByType[e.type] = (eventsByType[e.type] ?? 0) + 1;
    }
  const finalStatuses: Record<string, number> = {};
  let lateResults = 0;
  for (const s of folded.states.values()) {
    finalStatuses[s.status] = (finalStatuses[s.status] ?? 0) + 1;
    if (s.lateResult) lateResults++;
  }
  return {
    violations: found,
    figures: {
      client,
      retries,
      commandsInLog: streams.size,
      events,
      eventsByType,
      finalStatuses,
      lateResults,
      deviceEvents,
      readModelRowsCompared,
      evidence,
      verify: { events: verify.events, compared: verify.compared, clean: verify.clean },
      fleets,
      queues,
    },
  };
}

/**
 * The incremental reads (polled after the fresh one, so they are at least as far) saw every
 * event a fresh read sees, each stream in revision order: the global order skipped nothing.
 */
function compareReads(full: Streams, incremental: Streams, found: Violation[]): void {
  for (const [id, events] of full) {
    const seen = incremental.get(id) ?? [];
    const seenIds = new Set(seen.map((e) => e.id));
    const missed = events.filter((e) => !seenIds.has(e.id));
    if (missed.length > 0)
      found.push(
        violation(
          'global_log_skipped',
          `reading the log as it grew missed ${missed.map((e) => `${e.type}@${e.revision}`).join(', ')}`,
          id,
        ),
      );
    if (seen.some((e, i) => e.revision !== BigInt(i)))
      found.push(
        violation(
          'global_log_order',
          `read as it grew: revisions ${seen.map((e) => e.revision).join(',')}`,
          id,
        ),
      );
  }
}

/** The fleet streams and the command streams as one list in global log order. */
const fleetLog = (store: EventStore, streams: Streams) => prefixedLog(store, streams, 'fleet-');

/** The streams of a prefix and the command streams as one list in global log order. */
async function prefixedLog(
  store: EventStore,
  streams: Streams,
  streamPrefix: string,
): Promise<RecordedEvent[]> {
  const fleetEvents: RecordedEvent[] = [];
  for (;;) {
    const page = await store.readAll({
      after: fleetEvents.at(-1)?.position ?? null,
      streamPrefix,
      limit: 5_000,
    });
    fleetEvents.push(...page);
    if (page.length < 5_000) break;
  }
  if (fleetEvents.length === 0) return [];
  const all = [...fleetEvents, ...[...streams.values()].flat()];
  return all.sort((a, b) => (a.position < b.position ? -1 : a.position > b.position ? 1 : 0));
}
