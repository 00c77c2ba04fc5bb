import type { SqlExecutor, SqlStatement } from '@ratchet/event-store';
import { type FleetStatus, attemptId } from '@ratchet/lifecycle';
import type { FleetRow } from './fleet-progress-fold.js';
import { FLEET_COLUMNS, toFleetRow } from './fleet-progress-rows.js';

const ONE: SqlStatement = {
  name: 'ratchet_rm_fp_get',
  text: `SELECT ${FLEET_COLUMNS} FROM fleet_progress WHERE fleet_command_id = $1`,
};
export const getFleetProgress = async (db: SqlExecutor, id: string): Promise<FleetRow | null> => {
  const [row] = await db.query<Parameters<typeof toFleetRow>[0]>(ONE, [id]);
  return row ? toFleetRow(row) : null;
};

export interface FleetListFilter {
  readonly status?: FleetStatus;
  readonly limit: number;
  /** The `next` of the previous page. */
  readonly after?: string | null;
}
export interface FleetPage {
  readonly items: readonly FleetRow[];
  readonly next: string | null;
}

export const encodeFleetCursor = (requestedAt: string, id: string): string =>
  Buffer.from(JSON.stringify(['f', requestedAt, id]), 'utf8').toString('base64url');
export const decodeFleetCursor = (cursor: string): { requestedAt: string; id: string } | null => {
  if (!/^[A-Za-z0-9_-]{1,300}$/.test(cursor)) return null;
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (!Array.isArray(v) || v.length !== 3 || v[0] !== 'f') return null;
    const [, at, id] = v as unknown[];
    if (typeof at !== 'string' || typeof id !== 'string' || Number.isNaN(Date.parse(at)))
      return null;
    return { requestedAt: at, id };
  } catch {
    return null;
  }
};

const LIST: SqlStatement = {
  name: 'ratchet_rm_fp_list',
  text: `SELECT ${FLEET_COLUMNS} FROM fleet_progress
          WHERE ($1::text IS NULL OR status = $1)
            AND ($2::timestamptz IS NULL OR (requested_at, fleet_command_id) < ($2::timestamptz, $3::text))
          ORDER BY requested_at DESC, fleet_command_id DESC LIMIT $4`,
};

/** Newest first, cursor paged. */
export const listFleets = async (db: SqlExecutor, f: FleetListFilter): Promise<FleetPage> => {
  const cursor = f.after ? decodeFleetCursor(f.after) : null;
  const rows = await db.query<Parameters<typeof toFleetRow>[0]>(LIST, [
    f.status ?? null,
    cursor?.requestedAt ?? null,
    cursor?.id ?? '',
    f.limit + 1,
  ]);
  const items = rows.slice(0, f.limit).map(toFleetRow);
  const last = items[items.length - 1];
  return {
    items,
    next:
      rows.length > f.limit && last
        ? encodeFleetCursor(last.requestedAt, last.fleetCommandId)
        : null,
  };
};

const ACTIVE: SqlStatement = {
  name: 'ratchet_rm_fp_active',
  text: `SELECT fleet_command_id FROM fleet_progress WHERE status IN ('rolling_out', 'paused')
          ORDER BY requested_at LIMIT $1`,
};
/** Fleets a rollout step may still change (rolling out or paused), oldest first. */
export const activeFleets = async (db: SqlExecutor, limit: number): Promise<string[]> =>
  (await db.query<{ fleet_command_id: string }>(ACTIVE, [limit])).map((r) => r.fleet_command_id);

const TO_CANCEL: SqlStatement = {
  name: 'ratchet_rm_fp_to_cancel',
  text: `SELECT c.command_id, c.attempt, f.status FROM fleet_children c
           JOIN fleet_progress f USING (fleet_command_id)
          WHERE f.status IN ('aborted', 'cancelled') AND c.status = 'requested'
          LIMIT $1`,
};
export interface ChildToCancel {
  /** The current attempt's id. */
  readonly commandId: string;
  readonly fleetStatus: 'aborted' | 'cancelled';
}
/**
 * Children still `requested` whose fleet was aborted or cancelled: the projection has passed
 * the fleet's ending event, so every child created before it is known here.
 */
export const childrenToCancel = async (db: SqlExecutor, limit: number): Promise<ChildToCancel[]> =>
  (
    await db.query<{ command_id: string; attempt: number; status: 'aborted' | 'cancelled' }>(
      TO_CANCEL,
      [limit],
    )
  ).map((r) => ({ commandId: attemptId(r.command_id, Number(r.attempt)), fleetStatus: r.status }));
