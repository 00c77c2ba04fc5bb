import type { SqlExecutor, SqlStatement } from '@ratchet/event-store';
import type { CommandPage, ListCommandsFilter } from '../read-model-store.port.js';
import { fromStoredState, type StoredState } from './command-status-row.js';
import type { ListCursor } from './list-cursor.js';
import { decodeListCursor, encodeListCursor, InvalidCursorError } from './list-cursor.js';

interface ListedRow {
  readonly command_id: string;
  readonly revision: bigint;
  readonly state: StoredState;
  readonly retried_by: string | null;
  readonly requested_at: Date;
}

/**
 * Builds the statement for this filter combination. Each combination has its own text and
 * name, so that each gets a plan that uses its index (a generic `$1 IS NULL OR ...` would not).
 */
const buildQuery = (
  limit: number,
  deviceId: string | undefined,
  status: string | undefined,
  issuedBy: string | undefined,
  fleetCommandId: string | undefined,
  cursor: ListCursor | null,
): { statement: SqlStatement; params: unknown[] } => {
  const params: unknown[] = [limit + 1];
  const where: string[] = [];
  if (deviceId !== undefined) where.push(`device_id = $${params.push(deviceId)}`);
  if (status !== undefined) where.push(`status = $${params.push(status)}`);
  if (issuedBy !== undefined) where.push(`issued_by = $${params.push(issuedBy)}`);
  // The expression and predicate of command_status_fleet_newest_idx, so the planner uses it.
  if (fleetCommandId !== undefined) {
    where.push(
      `state ? 'fleetCommandId' AND state->>'fleetCommandId' = $${params.push(fleetCommandId)}`,
    );
  }
  if (cursor) {
    const at = params.push(cursor.requestedAt);
    const id = params.push(cursor.commandId);
    where.push(`(requested_at, command_id) < ($${at}::timestamptz, $${id}::text)`);
  }
  const key = `${+(deviceId !== undefined)}${+(status !== undefined)}${+(issuedBy !== undefined)}${+(fleetCommandId !== undefined)}${+(cursor !== null)}`;
  return {
    statement: {
      name: `ratchet_rm_list_commands_${key}`,
      text: `SELECT command_id, revision, state, retried_by, requested_at FROM command_status
              ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
              ORDER BY requested_at DESC, command_id DESC
              LIMIT $1`,
    },
    params,
  };
};

export const listCommands = async (
  db: SqlExecutor,
  { deviceId, status, issuedBy, fleetCommandId, limit, after }: ListCommandsFilter,
): Promise<CommandPage> => {
  const cursor = after ? decodeListCursor(after) : null;
  if (after && !cursor) throw new InvalidCursorError();
  const { statement, params } = buildQuery(
    limit,
    deviceId,
    status,
    issuedBy,
    fleetCommandId,
    cursor,
  );
  const rows = await db.query<ListedRow>(statement, params);
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    items: page.map((r) => ({
      state: fromStoredState(r.state, r.revision),
      retriedBy: r.retried_by,
    })),
    next:
      rows.length > limit && last
        ? encodeListCursor({
            requestedAt: last.requested_at.toISOString(),
            commandId: last.command_id,
          })
        : null,
  };
};
