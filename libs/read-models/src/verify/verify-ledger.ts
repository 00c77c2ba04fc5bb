import type { EventStore, Position, SqlDriver } from '@ratchet/event-store';
import { COMMAND_STREAM_PREFIX, type CommandStatus, commandIdOfStream } from '@ratchet/lifecycle';
import { type LogBatch, type LogReader, portLogReader } from '../rebuild/log-reader.js';
import { readLogAhead } from '../rebuild/read-log.js';
import { readCommandStatusSnapshot, unpack } from './command-status-snapshot.js';
import { type FleetProgressCheck, checkFleetProgress } from './fleet-progress-check.js';
import {
  checkRetryTarget,
  type Flag,
  type LedgerViolation,
  type LedgerViolationKind,
  StreamTally,
} from './stream-tally.js';

export type MismatchKind = 'missing_row' | 'extra_row' | 'row_differs' | 'issuer_differs';

/** A command_status row that is not what the projection's fold of the log gives. */
export interface ReadModelMismatch {
  readonly kind: MismatchKind;
  readonly commandId: string;
  /** The fold of the log up to the read model's checkpoint; `null` for an extra row. */
  readonly expected: { readonly status: CommandStatus; readonly revision: bigint } | null;
  /** The row; `null` when it is missing. */
  readonly found: { readonly status: CommandStatus; readonly revision: bigint } | null;
  /** `issuer_differs`: metadata.issuedBy of the CommandRequested, and the row's issued_by. */
  readonly issuer?: { readonly expected: string | null; readonly found: string | null };
}

export interface VerifyProgress {
  readonly events: number;
  readonly commands: number;
  readonly elapsedMs: number;
}

export interface VerifyOptions {
  readonly driver: SqlDriver;
  readonly eventStore: EventStore;
  /** How the log is read (default: through `eventStore.readAll`); see rebuild's `log`. */
  readonly log?: LogReader;
  /** Events per read of the log (default 5000). */
  readonly batchSize?: number;
  /** Findings kept with their details, per list (default 100,000); the counts are always whole. */
  readonly maxFindings?: number;
  readonly onProgress?: (progress: VerifyProgress) => void;
  readonly now?: () => number;
}

export interface VerifyReport {
  readonly events: number;
  readonly commands: number;
  /** Sorted by command, then revision. */
  readonly violations: readonly LedgerViolation[];
  readonly violationCounts: Readonly<Partial<Record<LedgerViolationKind, number>>>;
  readonly mismatches: readonly ReadModelMismatch[];
  readonly mismatchCounts: Readonly<Partial<Record<MismatchKind, number>>>;
  /** More findings than `maxFindings`: the lists are cut, the counts are not. */
  readonly truncated: boolean;
  readonly readModel: {
    readonly checkpoint: Position | null;
    readonly version: number | null;
    readonly rows: number;
    /** Rows compared with the fold (those of commands the checkpoint has reached). */
    readonly compared: number;
  };
  /** fleet_progress against a fresh fold of the log up to its checkpoint. */
  readonly fleetProgress: FleetProgressCheck;
  readonly logPath: 'port' | 'sql';
  readonly ms: number;
}

/** Every finding makes verify fail. */
export const isClean = (report: VerifyReport): boolean =>
  report.violations.length === 0 &&
  report.mismatches.length === 0 &&
  report.fleetProgress.mismatches.length === 0 &&
  !report.truncated;

/**
 * The ledger's fsck. Reads command_status (rows and checkpoint, one snapshot), then every
 * command stream through the global log in large batches, feeding each event to its stream's
 * tally: the lifecycle rules of `checkStream` per stream, the retry links across streams, and
 * the projection's fold up to the checkpoint, which must equal the rows.
 */
export const verifyLedger = async (options: VerifyOptions): Promise<VerifyReport> => {
  const now = options.now ?? Date.now;
  const started = now();
  const max = options.maxFindings ?? 100_000;
  const snapshot = await readCommandStatusSnapshot(options.driver);
  const checkpoint = snapshot.position;
  const rowCount = snapshot.rows.size;

  const violations: LedgerViolation[] = [];
  const violationCounts: Partial<Record<LedgerViolationKind, number>> = {};
  const flag: Flag = (commandId, revision, kind, detail) => {
    violationCounts[kind] = (violationCounts[kind] ?? 0) + 1;
    if (violations.length < max) violations.push({ commandId, revision, kind, detail });
  };

  const tallies = new Map<string, StreamTally>();
  let events = 0;
  const log = options.log ?? portLogReader(options.eventStore);
  const batches = readLogAhead(log, {
    after: null,
    streamPrefix: COMMAND_STREAM_PREFIX,
    limit: options.batchSize ?? 5000,
  });
  for await (const batch of batches) {
    const projected = projectedCount(batch, checkpoint);
    batch.events.forEach((event, i) => {
      const commandId = commandIdOfStream(event.stream) as string;
      let tally = tallies.get(commandId);
      if (!tally) tallies.set(commandId, (tally = new StreamTally()));
      tally.check(commandId, event, flag);
      if (i < projected) tally.project(event);
    });
    events += batch.events.length;
    options.onProgress?.({ events, commands: tallies.size, elapsedMs: now() - started });
  }
  for (const [commandId, tally] of tallies) {
    tally.finish(commandId, flag);
    checkRetryTarget(commandId, tally, tallies, flag);
  }
  violations.sort(byCommandThenRevision);

  const mismatches: ReadModelMismatch[] = [];
  const mismatchCounts: Partial<Record<MismatchKind, number>> = {};
  const mismatch = (m: ReadModelMismatch) => {
    mismatchCounts[m.kind] = (mismatchCounts[m.kind] ?? 0) + 1;
    if (mismatches.length < max) mismatches.push(m);
  };
  let compared = 0;
  for (const [commandId, tally] of tallies) {
    if (tally.projected === null) continue;
    compared += 1;
    const expected = { status: tally.projected, revision: tally.projectedRevision };
    const packed = snapshot.rows.get(commandId);
    snapshot.rows.delete(commandId);
    if (packed === undefined) {
      mismatch({ kind: 'missing_row', commandId, expected, found: null });
      continue;
    }
    const found = unpack(packed);
    if (found.status !== expected.status || found.revision !== expected.revision) {
      mismatch({ kind: 'row_differs', commandId, expected, found });
    }
    const issuer = {
      expected: tally.projectedIssuer,
      found: snapshot.issuers.get(commandId) ?? null,
    };
    if (issuer.expected !== issuer.found) {
      mismatch({ kind: 'issuer_differs', commandId, expected, found, issuer });
    }
  }
  for (const [commandId, packed] of snapshot.rows) {
    mismatch({ kind: 'extra_row', commandId, expected: null, found: unpack(packed) });
  }
  mismatches.sort((a, b) => compareText(a.commandId, b.commandId));
  const fleetProgress = await checkFleetProgress(options.driver, log, options.batchSize ?? 5000);

  const truncated =
    Object.values(violationCounts).reduce((a, b) => a + b, 0) > violations.length ||
    Object.values(mismatchCounts).reduce((a, b) => a + b, 0) > mismatches.length;
  return {
    events,
    commands: tallies.size,
    violations,
    violationCounts,
    mismatches,
    mismatchCounts,
    truncated,
    readModel: { checkpoint, version: snapshot.version, rows: rowCount, compared },
    fleetProgress,
    logPath: log.path,
    ms: now() - started,
  };
};

/** How many of the batch's events are at or before the checkpoint (positions rise). */
const projectedCount = (batch: LogBatch, checkpoint: Position | null): number => {
  const n = batch.events.length;
  if (checkpoint === null || n === 0 || batch.positionOf(0) > checkpoint) return 0;
  if (batch.positionOf(n - 1) <= checkpoint) return n;
  let i = 0;
  while (i < n && batch.positionOf(i) <= checkpoint) i += 1;
  return i;
};

const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const byCommandThenRevision = (a: LedgerViolation, b: LedgerViolation): number =>
  compareText(a.commandId, b.commandId) ||
  (a.revision < b.revision ? -1 : a.revision > b.revision ? 1 : 0);
