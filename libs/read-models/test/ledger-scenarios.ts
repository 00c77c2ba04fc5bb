import type { EventStore, SqlExecutor, SqlStatement } from '@ratchet/event-store';
import { attemptId, type CommandRequestedData, streamOf } from '@ratchet/lifecycle';
import { randomUUID } from 'node:crypto';
import type { LedgerViolationKind } from '@ratchet/read-models';
import { CommandWriter, requestedData, seconds } from './command-writer.js';

const at = (s: number) => seconds(s).toISOString();

/**
 * Healthy commands of every shape the ledger writes: executed with output, failed and retried,
 * timed out with a late result, cancelled, expired, still open. Returns their ids.
 */
export const writeHealthyMix = async (
  store: EventStore,
  deviceId: string,
  second = 0,
): Promise<string[]> => {
  const w = new CommandWriter(store);
  const ids: string[] = [];
  const t = (n: number) => seconds(second + n);
  const executed = await w.issue(deviceId, t(0), { payload: { rpm: 900, nested: { on: true } } });
  await w.at(executed, 'CommandSent', t(1));
  await w.at(executed, 'CommandAcknowledged', t(2));
  await w.record(executed, { type: 'CommandExecuted', data: { at: at(second + 3), output: 0 } });
  const retry = { maxAttempts: 2, on: ['failed' as const] };
  const failed = await w.issue(deviceId, t(4), { retry });
  await w.record(failed, {
    type: 'CommandFailed',
    data: { at: at(second + 5), error: 'jam', output: { code: 7 } },
  });
  const second2 = attemptId(failed, 2);
  await w.issue(deviceId, t(6), {
    commandId: second2,
    attempt: 2,
    retryOf: failed,
    rootCommandId: failed,
    retry,
  });
  await w.at(second2, 'CommandSent', t(7));
  const late = await w.issue(deviceId, t(8));
  await w.at(late, 'CommandSent', t(9));
  await w.record(late, { type: 'CommandTimedOut', data: { at: at(second + 10), stage: 'result' } });
  await w.record(late, {
    type: 'CommandLateResultObserved',
    data: { at: at(second + 11), status: 'executed', output: { rpm: 900 }, error: null },
  });
  const cancelled = await w.issue(deviceId, t(12));
  await w.record(cancelled, {
    type: 'CommandCancelled',
    data: { at: at(second + 13), reason: 'operator' },
  });
  const expired = await w.issue(deviceId, t(14));
  await w.at(expired, 'CommandExpired', t(15));
  const open = await w.issue(deviceId, t(16));
  await w.at(open, 'CommandAcknowledged', t(17));
  ids.push(executed, failed, second2, late, cancelled, expired, open);
  return ids;
};

const INSERT_RAW: SqlStatement = {
  name: 'test_insert_raw_event',
  text: `INSERT INTO events (stream_id, revision, event_id, type, data)
         VALUES ($1, $2, $3::uuid, $4, $5::jsonb)`,
};

/**
 * One broken stream per kind of violation, written straight into the store (the adapter checks
 * revisions, not the lifecycle), as a bug or a hand edit would leave them. `db` is the events'
 * database, for the one thing the adapter refuses to write: a revision gap.
 */
export const writeBrokenStreams = async (
  store: EventStore,
  db: SqlExecutor,
  deviceId: string,
): Promise<Record<LedgerViolationKind, string>> => {
  const raw = async (
    commandId: string,
    ...events: { type: string; data: Record<string, unknown> }[]
  ) => {
    for (const e of events) {
      await store.append(streamOf(commandId), [{ id: randomUUID(), ...e }], 'any');
    }
  };
  const requested = (commandId: string, overrides: Partial<CommandRequestedData> = {}) => ({
    type: 'CommandRequested',
    data: { ...requestedData(commandId, deviceId, 0), ...overrides } as Record<string, unknown>,
  });
  const ev = (type: string, s: number, extra: Record<string, unknown> = {}) => ({
    type,
    data: { at: at(s), ...extra },
  });
  const ids = Object.fromEntries(
    (
      [
        'unknown_event_type',
        'first_event_not_requested',
        'revision_gap',
        'illegal_transition',
        'second_terminal',
        'second_late_observation',
        'bad_retry_link',
        'retry_target_missing',
        'retry_not_owed',
      ] as const
    ).map((kind) => [kind, randomUUID()]),
  ) as Record<LedgerViolationKind, string>;

  await raw(ids.unknown_event_type, requested(ids.unknown_event_type), ev('CommandTeleported', 1));
  await raw(ids.first_event_not_requested, ev('CommandSent', 1));
  await raw(ids.revision_gap, requested(ids.revision_gap));
  await db.query(INSERT_RAW, [
    streamOf(ids.revision_gap),
    2,
    randomUUID(),
    'CommandSent',
    JSON.stringify({ at: at(1) }),
  ]);
  await raw(
    ids.illegal_transition,
    requested(ids.illegal_transition),
    ev('CommandCancelled', 1, { reason: null }),
    ev('CommandSent', 2),
  );
  await raw(
    ids.second_terminal,
    requested(ids.second_terminal),
    ev('CommandExecuted', 1),
    ev('CommandFailed', 2, { error: 'x' }),
  );
  const late = { status: 'executed', error: null };
  await raw(
    ids.second_late_observation,
    requested(ids.second_late_observation),
    ev('CommandSent', 1),
    ev('CommandTimedOut', 2, { stage: 'ack' }),
    ev('CommandLateResultObserved', 3, late),
    ev('CommandLateResultObserved', 4, late),
  );
  await raw(
    ids.bad_retry_link,
    requested(ids.bad_retry_link, { attempt: 2, retryOf: randomUUID() }),
  );

  const missingRoot = randomUUID();
  ids.retry_target_missing = attemptId(missingRoot, 2);
  await raw(
    ids.retry_target_missing,
    requested(ids.retry_target_missing, {
      attempt: 2,
      retryOf: missingRoot,
      rootCommandId: missingRoot,
    }),
  );
  const executedRoot = randomUUID();
  await raw(executedRoot, requested(executedRoot), ev('CommandExecuted', 1));
  ids.retry_not_owed = attemptId(executedRoot, 2);
  await raw(
    ids.retry_not_owed,
    requested(ids.retry_not_owed, {
      attempt: 2,
      retryOf: executedRoot,
      rootCommandId: executedRoot,
    }),
  );
  return ids;
};
