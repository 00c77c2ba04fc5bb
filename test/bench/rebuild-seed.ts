/**
 * Seeds a log for the rebuild and verify benchmarks with direct SQL through the adapter's
 * driver (appendMany manages ~16,000 events/s here; this, a few hundred thousand). Chunks of
 * 1000 commands go through the lifecycle together (all requested, then all sent, acknowledged,
 * ended), so each command's events are spread over the log as in a busy ledger. Four events per
 * command: 85 % executed, 10 % failed, 5 % timed out; 1000 devices. Each statement is its own
 * transaction, so the log has many transaction ids, as a real one does.
 */
import type { SqlDriver, SqlStatement } from '@ratchet/event-store';

export const EVENTS_PER_COMMAND = 4;
/** Commands per statement (one transaction each). */
const PER_STATEMENT = 25_000;

const ISO = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;
const at = (step: number) =>
  `to_char((timestamptz '2026-01-01 00:00:00+00' + make_interval(secs => (c.i * 10 + ${step}) / 1000.0)) AT TIME ZONE 'UTC', ${ISO})`;

const SEED_EVENTS: SqlStatement = {
  name: 'ratchet_bench_seed_events',
  text: `
WITH c AS (
  SELECT i, md5($3::text || i)::uuid::text AS id FROM generate_series($1::int, $2::int) AS i
), e AS (
  SELECT c.i, c.id, p.phase,
         CASE p.phase
           WHEN 0 THEN 'CommandRequested' WHEN 1 THEN 'CommandSent' WHEN 2 THEN 'CommandAcknowledged'
           ELSE CASE WHEN c.i % 20 < 17 THEN 'CommandExecuted' WHEN c.i % 20 < 19 THEN 'CommandFailed'
                     ELSE 'CommandTimedOut' END
         END AS type,
         CASE p.phase
           WHEN 0 THEN jsonb_build_object(
             'commandId', c.id, 'deviceId', 'bench-' || (c.i % 1000), 'name', 'set-speed',
             'payload', jsonb_build_object('rpm', 1000 + c.i % 500), 'requestedAt', ${at(0)},
             'ackTimeoutMs', 10000, 'timeoutMs', 60000, 'expiresInMs', 300000,
             'retry', '{"maxAttempts": 1, "on": []}'::jsonb, 'attempt', 1, 'retryOf', NULL,
             'rootCommandId', c.id, 'fingerprint', 'bench')
           WHEN 1 THEN jsonb_build_object('at', ${at(1)})
           WHEN 2 THEN jsonb_build_object('at', ${at(2)})
           ELSE CASE WHEN c.i % 20 < 17 THEN jsonb_build_object('at', ${at(3)}, 'output', '{"ok": true}'::jsonb)
                     WHEN c.i % 20 < 19 THEN jsonb_build_object('at', ${at(3)}, 'error', 'jam')
                     ELSE jsonb_build_object('at', ${at(3)}, 'stage', 'result') END
         END AS data
    FROM c CROSS JOIN generate_series(0, 3) AS p(phase)
), heads AS (
  INSERT INTO streams (stream_id, revision) SELECT 'command-' || id, 3 FROM c
)
INSERT INTO events (stream_id, revision, event_id, type, data, metadata)
SELECT 'command-' || id, phase, md5(id || '/' || phase)::uuid, type, data,
       jsonb_build_object('correlationId', id, 'causationId', id, 'instance', 'bench')
  FROM e
 ORDER BY i / 1000, phase, i`,
};

/** Writes `commands` commands (4 events each); `onProgress` gets the events written so far. */
export const seedCommands = async (
  driver: SqlDriver,
  commands: number,
  label: string,
  onProgress?: (events: number) => void,
): Promise<void> => {
  for (let first = 0; first < commands; first += PER_STATEMENT) {
    const last = Math.min(first + PER_STATEMENT, commands) - 1;
    await driver.query(SEED_EVENTS, [first, last, label]);
    onProgress?.((last + 1) * EVENTS_PER_COMMAND);
  }
};
