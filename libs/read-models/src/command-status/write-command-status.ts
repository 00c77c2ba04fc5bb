import type { SqlExecutor, SqlStatement } from '@ratchet/event-store';
import type { CommandState } from '@ratchet/lifecycle';
import { fromStoredState, type StoredState, toCommandStatusRow } from './command-status-row.js';

const LOAD: SqlStatement = {
  name: 'ratchet_rm_command_status_load',
  text: `SELECT command_id, revision, state FROM command_status
          WHERE command_id IN (SELECT jsonb_array_elements_text($1::jsonb))`,
};

/**
 * Rows only move forward: the update applies only over a lower revision, so a replayed or
 * reordered write (or a runner working from an old read) cannot take a row back. The sort
 * key is cut to milliseconds so that a cursor made from a JS Date matches it exactly.
 */
const UPSERT: SqlStatement = {
  name: 'ratchet_rm_command_status_upsert',
  text: `
INSERT INTO command_status AS c (
  command_id, device_id, name, status, revision, attempt, retry_of, requested_at, sent_at,
  acknowledged_at, completed_at, result, error, late_result, payload, next_deadline,
  retry_pending, state, issued_by)
SELECT command_id, device_id, name, status, revision, attempt, retry_of,
       date_trunc('milliseconds', requested_at), sent_at, acknowledged_at, completed_at,
       result, error, late_result, payload, next_deadline, retry_pending, state, issued_by
  FROM jsonb_to_recordset($1::jsonb) AS r(
       command_id text, device_id text, name text, status text, revision bigint,
       attempt integer, retry_of text, requested_at timestamptz, sent_at timestamptz,
       acknowledged_at timestamptz, completed_at timestamptz, result jsonb, error text,
       late_result jsonb, payload jsonb, next_deadline timestamptz, retry_pending boolean,
       state jsonb, issued_by text)
ON CONFLICT (command_id) DO UPDATE SET
  issued_by = COALESCE(c.issued_by, EXCLUDED.issued_by),
  status = EXCLUDED.status, revision = EXCLUDED.revision, sent_at = EXCLUDED.sent_at,
  acknowledged_at = EXCLUDED.acknowledged_at, completed_at = EXCLUDED.completed_at,
  result = EXCLUDED.result, error = EXCLUDED.error, late_result = EXCLUDED.late_result,
  next_deadline = EXCLUDED.next_deadline, retry_pending = EXCLUDED.retry_pending,
  state = EXCLUDED.state, updated_at = now()
WHERE c.revision < EXCLUDED.revision`,
};

/** A retry names its predecessor; the predecessor's row learns who retried it. */
const LINK_RETRIES: SqlStatement = {
  name: 'ratchet_rm_command_status_link_retries',
  text: `
UPDATE command_status AS c SET retried_by = r.command_id, updated_at = now()
  FROM jsonb_to_recordset($1::jsonb) AS r(command_id text, retry_of text)
 WHERE c.command_id = r.retry_of AND c.retried_by IS NULL`,
};

export const loadCommandStates = async (
  tx: SqlExecutor,
  commandIds: readonly string[],
): Promise<Map<string, CommandState>> => {
  const rows = await tx.query<{ command_id: string; revision: bigint; state: StoredState }>(LOAD, [
    JSON.stringify(commandIds),
  ]);
  return new Map(rows.map((row) => [row.command_id, fromStoredState(row.state, row.revision)]));
};

/** `issuers`: metadata.issuedBy of the CommandRequested events among what was folded. */
export const writeCommandStates = async (
  tx: SqlExecutor,
  states: readonly CommandState[],
  issuers: ReadonlyMap<string, string | null> = new Map(),
): Promise<void> => {
  if (states.length === 0) return;
  await tx.query(UPSERT, [
    JSON.stringify(states.map((s) => toCommandStatusRow(s, issuers.get(s.commandId) ?? null))),
  ]);
  const retries = states
    .filter((s) => s.retryOf !== null)
    .map((s) => ({ command_id: s.commandId, retry_of: s.retryOf }));
  if (retries.length > 0) await tx.query(LINK_RETRIES, [JSON.stringify(retries)]);
};
