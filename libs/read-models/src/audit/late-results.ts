import type { SqlExecutor, SqlStatement } from '@ratchet/event-store';
import { type AuditCursor, type AuditPage, type AuditRow, toPage } from './device-commands.js';

const SELECT = `SELECT command_id, revision, state, retried_by, requested_at FROM command_status
                 WHERE status = 'timed_out' AND late_result IS NOT NULL`;
const FIRST: SqlStatement = {
  name: 'ratchet_audit_late_results',
  text: `${SELECT} ORDER BY requested_at, command_id LIMIT $1`,
};
const AFTER: SqlStatement = {
  name: 'ratchet_audit_late_results_after',
  text: `${SELECT} AND (requested_at, command_id) > ($2::timestamptz, $3::text)
          ORDER BY requested_at, command_id LIMIT $1`,
};

/**
 * Commands that ended `timed_out` and yet got a result from the device afterwards
 * (`CommandLateResultObserved`): the device did act after all. Oldest first; the state
 * carries the timeout (`completedAt`, `timedOutStage`) and the late result.
 */
export const listLateResults = async (
  db: SqlExecutor,
  query: { readonly limit: number; readonly after?: AuditCursor | null },
): Promise<AuditPage> => {
  const rows = query.after
    ? await db.query<AuditRow>(AFTER, [
        query.limit + 1,
        query.after.requestedAt.toISOString(),
        query.after.commandId,
      ])
    : await db.query<AuditRow>(FIRST, [query.limit + 1]);
  return toPage(rows, query.limit);
};
