import { type CommandState, decideRetry, nextDeadline } from '@ratchet/lifecycle';

/** The folded state as stored in `command_status.state`: everything but the revision column. */
export type StoredState = Omit<CommandState, 'revision'>;

export const toStoredState = ({ revision: _revision, ...rest }: CommandState): StoredState => rest;

export const fromStoredState = (state: StoredState, revision: bigint): CommandState => ({
  ...state,
  revision,
});

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** The row's columns, recomputed from the state, as one element of the upsert's jsonb input. */
export const toCommandStatusRow = (state: CommandState, issuedBy: string | null = null) => ({
  command_id: state.commandId,
  device_id: state.deviceId,
  name: state.name,
  status: state.status,
  revision: state.revision.toString(),
  attempt: state.attempt,
  retry_of: state.retryOf,
  requested_at: state.requestedAt,
  sent_at: state.sentAt,
  acknowledged_at: state.acknowledgedAt,
  completed_at: state.completedAt,
  result: state.result ?? null,
  error: state.error,
  late_result: state.lateResult,
  payload: state.payload,
  next_deadline: iso(nextDeadline(state)),
  // The time only stamps the retry's request; whether one is owed does not depend on it.
  retry_pending: decideRetry(state, new Date(0)) !== null,
  state: toStoredState(state),
  // Known only from the CommandRequested event; a later write leaves the column as it is.
  issued_by: issuedBy,
});
