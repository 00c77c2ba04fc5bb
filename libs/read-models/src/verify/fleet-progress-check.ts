import type { Position, SqlDriver, SqlStatement } from '@ratchet/event-store';
import type { FleetTally } from '@ratchet/lifecycle';
import {
  FleetProgressModel,
  type StatusCounts,
  foldFleetProgress,
  isFleetProgressEvent,
} from '../fleet-progress/fleet-progress-fold.js';
import { loadCheckpoint } from '../projection/checkpoint.js';
import type { LogReader } from '../rebuild/log-reader.js';
import { readLogAhead } from '../rebuild/read-log.js';

/** What verify compares of a fleet: what the rollout and GET /fleet-commands/{id} rely on. */
export interface FleetSummary {
  readonly status: string;
  readonly created: number;
  readonly counts: StatusCounts;
  readonly tally: FleetTally;
}

export interface FleetProgressMismatch {
  readonly kind: 'missing_row' | 'extra_row' | 'row_differs';
  readonly fleetCommandId: string;
  /** A fresh fold of the log up to fleet_progress's checkpoint; `null` for an extra row. */
  readonly expected: FleetSummary | null;
  readonly found: FleetSummary | null;
}

export interface FleetProgressCheck {
  readonly checkpoint: Position | null;
  readonly fleets: number;
  readonly mismatches: readonly FleetProgressMismatch[];
}

const ROWS: SqlStatement = {
  name: 'ratchet_verify_fleet_progress_rows',
  text: 'SELECT fleet_command_id, status, created, counts, tally FROM fleet_progress',
};

const canonical = (v: unknown): string =>
  JSON.stringify(v, (_, x: unknown) =>
    x && typeof x === 'object' && !Array.isArray(x)
      ? Object.fromEntries(
          Object.entries(x as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)),
        )
      : x,
  );

/**
 * fleet_progress against a fresh fold of the log (the projection's own fold) up to its
 * checkpoint: rows and checkpoint read in one REPEATABLE READ snapshot, so a runner writing
 * meanwhile makes no false finding.
 */
export async function checkFleetProgress(
  driver: SqlDriver,
  log: LogReader,
  batchSize = 5000,
): Promise<FleetProgressCheck> {
  const snapshot = await driver.transaction(async (tx) => {
    await tx.exec('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
    const checkpoint = await loadCheckpoint(tx, 'fleet_progress');
    const rows = await tx.query<{
      fleet_command_id: string;
      status: string;
      created: number;
      counts: StatusCounts;
      tally: FleetTally;
    }>(ROWS, []);
    return { position: checkpoint?.position ?? null, rows };
  });
  const model = new FleetProgressModel();
  const checkpoint = snapshot.position;
  if (checkpoint !== null) {
    const noSkip = () => undefined;
    for await (const batch of readLogAhead(log, {
      after: null,
      streamPrefix: '',
      limit: batchSize,
    })) {
      let past = false;
      batch.events.forEach((event, i) => {
        if (past || batch.positionOf(i) > checkpoint) {
          past = true;
          return;
        }
        if (isFleetProgressEvent(event)) foldFleetProgress(model, event, noSkip);
      });
      if (past) break;
    }
  }
  const mismatches: FleetProgressMismatch[] = [];
  const found = new Map(
    snapshot.rows.map((r) => [
      r.fleet_command_id,
      { status: r.status, created: Number(r.created), counts: r.counts, tally: r.tally },
    ]),
  );
  for (const [id, f] of model.fleets) {
    const expected = { status: f.status, created: f.created, counts: f.counts, tally: f.tally };
    const row = found.get(id) ?? null;
    found.delete(id);
    if (!row) mismatches.push({ kind: 'missing_row', fleetCommandId: id, expected, found: null });
    else if (canonical(row) !== canonical(expected)) {
      mismatches.push({ kind: 'row_differs', fleetCommandId: id, expected, found: row });
    }
  }
  for (const [id, row] of found) {
    mismatches.push({ kind: 'extra_row', fleetCommandId: id, expected: null, found: row });
  }
  return { checkpoint, fleets: model.fleets.size, mismatches };
}
