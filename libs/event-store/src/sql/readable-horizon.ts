import type { SqlExecutor, SqlStatement } from './sql-driver.js';

/**
 * `readAll` and subscriptions read only rows of transactions older than every running one
 * (read-all.ts). A transaction that committed before "now" has an id below the current
 * snapshot's xmax; it is readable once the oldest running transaction is at least that new.
 * Any transaction of the cluster counts, also one in another database: a session left idle in
 * a transaction holds every reader of the log at the point where its transaction began.
 */
const TARGET: SqlStatement = {
  name: 'ratchet_es_horizon_target',
  text: 'SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS target',
};

const PASSED: SqlStatement = {
  name: 'ratchet_es_horizon_passed',
  text: 'SELECT pg_snapshot_xmin(pg_current_snapshot()) >= $1::xid8 AS passed',
};

/** The running transaction that holds the horizon, for the error that says why it waits. */
const OLDEST: SqlStatement = {
  name: 'ratchet_es_horizon_oldest',
  text: `
SELECT pid, datname, state, xact_start::text AS since, left(query, 120) AS query
  FROM pg_stat_activity
 WHERE backend_xid IS NOT NULL
 ORDER BY age(backend_xid) DESC
 LIMIT 1`,
};

export interface SettleOptions {
  /** Give up after this long (default 30 s). */
  readonly timeoutMs?: number;
  /** Between two looks (default 5 ms). */
  readonly intervalMs?: number;
}

export class HorizonTimeoutError extends Error {
  override readonly name = 'HorizonTimeoutError';
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves once every transaction that committed before the call is readable by `readAll`. */
export const settled = async (
  executor: SqlExecutor,
  { timeoutMs = 30_000, intervalMs = 5 }: SettleOptions = {},
): Promise<void> => {
  const [{ target } = { target: '0' }] = await executor.query<{ target: string }>(TARGET, []);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [row] = await executor.query<{ passed: boolean }>(PASSED, [target]);
    if (row?.passed) return;
    if (Date.now() >= deadline) {
      const [oldest] = await executor
        .query<{
          pid: number;
          datname: string | null;
          state: string | null;
          since: string | null;
          query: string | null;
        }>(OLDEST, [])
        .catch(() => []);
      const holder = oldest
        ? `pid ${oldest.pid} on database ${oldest.datname ?? '?'}, ${oldest.state ?? '?'} since ${oldest.since ?? '?'}: ${oldest.query ?? ''}`
        : 'not visible to this role in pg_stat_activity';
      throw new HorizonTimeoutError(
        `the event log is not readable up to transaction ${target} after ${timeoutMs} ms: an older transaction is still running (${holder}); readers of the log wait for it to end`,
      );
    }
    await sleep(intervalMs);
  }
};
