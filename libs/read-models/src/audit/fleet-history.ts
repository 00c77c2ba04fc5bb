import type { EventStore, RecordedEvent, SqlExecutor, SqlStatement } from '@ratchet/event-store';
import { attemptId, fleetStreamOf, streamOf } from '@ratchet/lifecycle';
import type { ChildRow } from '../fleet-progress/fleet-progress-fold.js';
import { type HistoryLine, toHistoryLine } from './history-lines.js';

const CHILDREN: SqlStatement = {
  name: 'ratchet_audit_fleet_children',
  text: `SELECT command_id, fleet_command_id, device_id, attempt, status, outcome FROM fleet_children
          WHERE fleet_command_id = $1 AND command_id > $2 ORDER BY command_id LIMIT $3`,
};

/** A fleet's children as `fleet_progress` knows them (as complete as its checkpoint), by id. */
export async function* fleetChildren(
  db: SqlExecutor,
  fleetCommandId: string,
): AsyncGenerator<ChildRow> {
  let after = '';
  for (;;) {
    const rows = await db.query<{
      command_id: string;
      fleet_command_id: string;
      device_id: string;
      attempt: number;
      status: ChildRow['status'];
      outcome: ChildRow['outcome'];
    }>(CHILDREN, [fleetCommandId, after, 1000]);
    for (const r of rows) {
      yield {
        commandId: r.command_id,
        fleetCommandId: r.fleet_command_id,
        deviceId: r.device_id,
        attempt: Number(r.attempt),
        status: r.status,
        outcome: r.outcome,
      };
    }
    if (rows.length < 1000) return;
    after = rows[rows.length - 1]!.command_id;
  }
}

/**
 * The export of a fleet command: its own stream's events (`commandId: null`), then each child's
 * attempts' streams, child by child, as self-contained JSON lines carrying `fleetCommandId`.
 */
export async function* fleetHistoryLines(
  db: SqlExecutor,
  store: EventStore,
  fleetCommandId: string,
): AsyncGenerator<HistoryLine & { readonly fleetCommandId: string }> {
  for (const e of await store.readStream(fleetStreamOf(fleetCommandId))) {
    yield { ...toHistoryLine(null, null, e), fleetCommandId };
  }
  for await (const child of fleetChildren(db, fleetCommandId)) {
    for (let n = 1; n <= child.attempt; n += 1) {
      const id = attemptId(child.commandId, n);
      const events: RecordedEvent[] = await store.readStream(streamOf(id));
      for (const e of events) yield { ...toHistoryLine(id, child.deviceId, e), fleetCommandId };
    }
  }
}
