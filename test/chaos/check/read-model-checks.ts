/**
 * The command_status read model equals a fresh fold of the log: one row per stream, at the
 * stream's last revision, with the same status and the same folded state, and `retried_by`
 * naming the next attempt exactly when it exists.
 */
import { type CommandState, canonicalJson, nextAttemptId } from '@ratchet/lifecycle';
import type { CommandStatusRow } from './read-model-rows.js';
import { type Violation, violation } from './violation.js';

const stored = ({ revision: _revision, ...rest }: CommandState): unknown => rest;

export function checkReadModel(
  states: Map<string, CommandState>,
  rows: Map<string, CommandStatusRow>,
  found: Violation[],
): number {
  let compared = 0;
  for (const [id, s] of states) {
    const row = rows.get(id);
    if (!row) {
      found.push(
        violation(
          'read_model_missing',
          `no command_status row (log at revision ${s.revision})`,
          id,
        ),
      );
      continue;
    }
    compared++;
    if (row.revision !== s.revision || row.status !== s.status) {
      found.push(
        violation(
          'read_model_differs',
          `row ${row.status}@${row.revision}, log ${s.status}@${s.revision}`,
          id,
        ),
      );
      continue;
    }
    if (canonicalJson(row.state) !== canonicalJson(stored(s)))
      found.push(
        violation('read_model_state_differs', `row ${canonicalJson(row.state).slice(0, 300)}`, id),
      );
    const next = nextAttemptId(s);
    const expected = states.has(next) && states.get(next)!.retryOf === id ? next : null;
    if (row.retriedBy !== expected)
      found.push(violation('read_model_retried_by', `row ${row.retriedBy}, log ${expected}`, id));
  }
  for (const id of rows.keys())
    if (!states.has(id)) found.push(violation('read_model_orphan', 'a row without a stream', id));
  return compared;
}
