import type { SqlExecutor, SqlStatement } from '@ratchet/event-store';
import type { CommandStatus } from '@ratchet/lifecycle';
import type { DueCommand } from '../read-model-store.port.js';

/**
 * What a sweeper asks, each answered from an index without reading streams. The read model
 * may lag the log: that only delays a sweep, since every decision is made on the stream.
 */
const DUE: SqlStatement = {
  name: 'ratchet_rm_due_commands',
  text: `SELECT command_id, status, next_deadline FROM command_status
          WHERE next_deadline IS NOT NULL AND next_deadline <= $1::timestamptz
          ORDER BY next_deadline
          LIMIT $2`,
};
const UNDISPATCHED: SqlStatement = {
  name: 'ratchet_rm_undispatched_commands',
  text: `SELECT command_id FROM command_status
          WHERE status = 'requested' AND requested_at < $1::timestamptz
            AND (state->>'delivery' = 'immediate' OR NOT EXISTS (
                 SELECT 1 FROM device_presence p
                  WHERE p.device_id = command_status.device_id AND p.status = 'offline'))
          ORDER BY requested_at
          LIMIT $2`,
};
const RETRY_DUE: SqlStatement = {
  name: 'ratchet_rm_retry_due_commands',
  text: `SELECT command_id FROM command_status
          WHERE retry_pending AND retried_by IS NULL
          ORDER BY completed_at
          LIMIT $1`,
};

export const findDueCommands = async (
  db: SqlExecutor,
  now: Date,
  limit: number,
): Promise<DueCommand[]> => {
  const rows = await db.query<{ command_id: string; status: CommandStatus; next_deadline: Date }>(
    DUE,
    [now.toISOString(), limit],
  );
  return rows.map((r) => ({
    commandId: r.command_id,
    status: r.status,
    nextDeadline: r.next_deadline,
  }));
};

export const findUndispatched = async (
  db: SqlExecutor,
  requestedBefore: Date,
  limit: number,
): Promise<string[]> =>
  (
    await db.query<{ command_id: string }>(UNDISPATCHED, [requestedBefore.toISOString(), limit])
  ).map((r) => r.command_id);

export const findRetryDue = async (db: SqlExecutor, limit: number): Promise<string[]> =>
  (await db.query<{ command_id: string }>(RETRY_DUE, [limit])).map((r) => r.command_id);
