import { PGlite } from '@electric-sql/pglite';
import { describe, expect, it } from '@jest/globals';
import {
  type EventStore,
  type Position,
  type RecordedEvent,
  createPgliteEventStore,
  createPostgresEventStore,
  PgliteDriver,
  PostgresDriver,
  type SqlDriver,
} from '@ratchet/event-store';
import {
  type TestDatabase,
  createTestDatabase,
  isPostgresReachable,
  postgresRequired,
  postgresServerUrl,
} from '@ratchet/event-store/testing';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import pg from 'pg';
import { type Counts, foldPrefix, seedCommandLog } from './support/projection-kill-log.js';

/**
 * Exactly-once across a real kill -9: a child process (test/support/projection-kill-child.mjs,
 * over the built packages) runs the real projections and stops inside a batch transaction that
 * has written its rows; the test kills it with SIGKILL while that transaction is open. Three
 * such kills, at different batches, then a last child runs to the head of the log.
 *
 * Each child first reports what it found on opening the database (for PGlite, after the crash
 * recovery that opening runs): the read models must be a fresh fold of the log up to their
 * checkpoints (`foldPrefix`), the killed batch must have left nothing, the batches before it
 * everything. The child's wrapper also writes, in each batch transaction, one row per event it
 * applied (`kill_test_applied`, no key): the real projections are idempotent per command
 * revision, so a batch applied twice would not show in their rows; it does show there.
 */

const CHILD = resolve(process.cwd(), 'test/support/projection-kill-child.mjs');
const PROJECTIONS = ['command_status', 'device_summary'] as const;
type ProjectionName = (typeof PROJECTIONS)[number];
const DEVICES = ['kill-pump-1', 'kill-pump-2', 'kill-pump-3', 'kill-pump-4'];
/**
 * ~3,000 events in 76 batches of 40 per projection. Smaller batches cost more than they show:
 * in PGlite a batch takes ~30 ms of CPU whatever its size (then ~0.6 ms an event).
 */
const COMMANDS = 1100;
const BATCH_SIZE = 40;
/**
 * Where each child stops, counted in batches of that projection in that child. A child does
 * command_status to the head, then device_summary, so: the first batch ever (the checkpoint is
 * still NULL); a batch in the middle of the rest of command_status; then, in the third child,
 * which first finishes command_status, a batch in the middle of device_summary.
 */
const KILLS: readonly { projection: ProjectionName; batch: number }[] = [
  { projection: 'command_status', batch: 1 },
  { projection: 'command_status', batch: 38 },
  { projection: 'device_summary', batch: 30 },
];

/** What a child found on opening the database, or left when it finished (see the child). */
interface ReadModelState {
  readonly checkpoints: Partial<Record<ProjectionName, Position | null>>;
  readonly commands: Record<string, { status: string; revision: string }>;
  readonly devices: Record<string, Counts>;
  readonly tracked: Record<string, { deviceId: string; status: string; revision: string }>;
  readonly marks: Partial<
    Record<ProjectionName, { total: number; distinct: number; last: string }>
  >;
  readonly spilled: number;
}

interface HangSignal {
  readonly projection: ProjectionName;
  readonly batch: number;
  /** The first and last positions of the batch left open. */
  readonly first: Position;
  readonly last: Position;
}

interface Child {
  /** The child's `STATE` lines, in order. */
  state(n: number): Promise<ReadModelState>;
  /** Its `HANG` or `DONE` line. */
  readonly signalled: Promise<{ kind: 'HANG' | 'DONE'; data: unknown }>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly process: ChildProcess;
}

/** Every wait on a child rejects if it exits first, or says nothing for 30 s. */
const spawnChild = (config: Record<string, unknown>, children: Child[]): Child => {
  const child = spawn(process.execPath, [CHILD, JSON.stringify(config)], {
    cwd: process.cwd(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  const lines: { kind: string; data: unknown }[] = [];
  const waiters = new Set<() => void>();
  let failure: Error | null = null;
  const wake = () => [...waiters].forEach((check) => check());
  const fail = (error: Error) => {
    failure ??= error;
    wake();
  };
  let quiet: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(quiet);
    quiet = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`the projection child said nothing for 30 s:\n${log}`));
    }, 30_000);
  };
  arm();
  createInterface({ input: child.stdout! }).on('line', (line) => {
    arm();
    const match = /^(STATE|HANG|DONE) (.*)$/.exec(line);
    log += `${match ? match[1] : line}\n`;
    if (match) lines.push({ kind: match[1]!, data: JSON.parse(match[2]!) });
    wake();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.once('exit', (code, signal) => {
      clearTimeout(quiet);
      done({ code, signal });
    }),
  );
  void exited.then(({ code, signal }) =>
    fail(new Error(`the projection child exited (${code ?? signal}):\n${log}`)),
  );
  const until = <T>(pick: () => T | undefined) =>
    new Promise<T>((done, reject) => {
      const check = () => {
        const value = pick();
        if (value === undefined && failure === null) return;
        waiters.delete(check);
        if (value !== undefined) done(value);
        else reject(failure);
      };
      waiters.add(check);
      check();
    });
  const handle: Child = {
    state: (n) =>
      until(() => lines.filter((l) => l.kind === 'STATE')[n]?.data as ReadModelState | undefined),
    signalled: until(() => lines.find((l) => l.kind !== 'STATE')).then((l) => ({
      kind: l.kind as 'HANG' | 'DONE',
      data: l.data,
    })),
    exited,
    process: child,
  };
  // Awaited by the test; a failure before it gets there must not be an unhandled rejection.
  handle.signalled.catch(() => undefined);
  children.push(handle);
  return handle;
};

/**
 * Each projection's rows are the fold of the log up to its checkpoint, each event applied once,
 * nothing of an uncommitted batch left. Returns the checkpoints.
 */
const expectExactlyOnce = (state: ReadModelState, log: readonly RecordedEvent[]) => {
  const checkpoints = {} as Record<ProjectionName, Position | null>;
  for (const name of PROJECTIONS) {
    const checkpoint = state.checkpoints[name] ?? null;
    checkpoints[name] = checkpoint;
    const expected = foldPrefix(log, checkpoint);
    const marks = state.marks[name] ?? { total: 0, distinct: 0, last: null };
    expect({ [name]: marks }).toEqual({
      [name]: { total: expected.applied, distinct: expected.applied, last: checkpoint },
    });
    if (name === 'command_status') expect(state.commands).toEqual(expected.commands);
    else {
      expect(state.devices).toEqual(expected.devices);
      expect(state.tracked).toEqual(expected.tracked);
    }
  }
  // The open batch also wrote ~6 MB here, more than wal_buffers (4 MB): its WAL was on disk.
  expect(state.spilled).toBe(0);
  return checkpoints;
};

interface Backend {
  /** Where the child finds the database. */
  readonly childConfig: Record<string, unknown>;
  /** Runs `work` on the database in this process, then lets it go. */
  withStore<T>(work: (store: EventStore, db: SqlDriver) => Promise<T>): Promise<T>;
  /** While a child hangs: how many transactions are open (null: cannot tell, PGlite). */
  openTransactions(): Promise<number | null>;
  /** Right after the kill, before anything opens the database again. */
  afterKill(): Promise<void>;
  cleanup(): Promise<void>;
}

const TEST_TABLES = `
  CREATE TABLE kill_test_applied (projection text NOT NULL, position text NOT NULL);
  CREATE TABLE kill_test_spill (n int NOT NULL, pad text NOT NULL)`;

const OPEN_TRANSACTIONS = {
  name: 'kill_test_open_transactions',
  text: `SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE datname = current_database() AND state = 'idle in transaction'`,
};

const postgresBackend = async (): Promise<Backend> => {
  const database: TestDatabase = await createTestDatabase('projection_kill');
  const pool = new pg.Pool({ connectionString: database.url, max: 2 });
  pool.on('error', () => undefined);
  const db = new PostgresDriver(pool, false);
  const store = await createPostgresEventStore({ pool });
  return {
    childConfig: { backend: 'postgres', url: database.url },
    withStore: (work) => work(store, db),
    openTransactions: async () => (await db.query<{ n: number }>(OPEN_TRANSACTIONS, []))[0]!.n,
    afterKill: async () => undefined,
    cleanup: async () => {
      await store.close();
      await pool.end();
      await database.drop();
    },
  };
};

/** PostgreSQL's DBState: 1 is a clean shutdown, 6 a cluster that was running. */
const DB_IN_PRODUCTION = 6;

const pgliteBackend = async (): Promise<Backend> => {
  const dataDir = await mkdtemp(join(tmpdir(), 'ratchet-projection-kill-'));
  return {
    childConfig: { backend: 'pglite', dataDir },
    withStore: async (work) => {
      // One PGlite instance per data directory: no child runs while this one is open.
      const pglite = await PGlite.create(dataDir);
      try {
        const store = await createPgliteEventStore({ pglite });
        try {
          return await work(store, new PgliteDriver(pglite, false));
        } finally {
          await store.close();
        }
      } finally {
        await pglite.close();
      }
    },
    openTransactions: async () => null,
    afterKill: async () => {
      // ControlFileData.state (int32 after the system identifier and two versions): the kill
      // left the cluster "in production", so the next open runs PostgreSQL's crash recovery
      // (WAL redo) rather than finding a clean shutdown.
      const control = await readFile(join(dataDir, 'global/pg_control'));
      expect(control.readInt32LE(16)).toBe(DB_IN_PRODUCTION);
    },
    cleanup: () => rm(dataDir, { recursive: true, force: true }),
  };
};

const server = postgresServerUrl();
const reachable = await isPostgresReachable(server);
const variants: [string, () => Promise<Backend>][] = [['PGlite data directory', pgliteBackend]];
if (reachable || postgresRequired()) {
  variants.push([
    'PostgreSQL',
    async () => {
      if (!reachable) throw new Error(`CI=true and PostgreSQL does not answer at ${server}`);
      return postgresBackend();
    },
  ]);
} else {
  describe.skip(`projection kill -9 (PostgreSQL: no server at ${server}; CI=true fails instead)`, () => {
    it('needs PostgreSQL', () => undefined);
  });
}

/** The log in the backend's database, all of it visible to a reader. */
const seed = (backend: Backend): Promise<RecordedEvent[]> =>
  backend.withStore(async (store, db) => {
    await db.exec(TEST_TABLES);
    const written = await seedCommandLog(store, DEVICES, COMMANDS);
    // readAll shows a commit once no older transaction of the server is still open (other
    // tests share it): wait for all of it, so that every child sees the same log.
    for (let waited = 0; ; waited += 50) {
      const events = await store.readAll({ streamPrefix: 'command-', limit: 100_000 });
      if (events.length === written) return events;
      if (waited > 20_000) throw new Error(`${events.length} of ${written} events visible`);
      await new Promise((r) => setTimeout(r, 50));
    }
  });

const killAndResume = async (
  backend: Backend,
  log: readonly RecordedEvent[],
  children: Child[],
) => {
  const config = { ...backend.childConfig, batchSize: BATCH_SIZE };
  /** Events up to and including `checkpoint`. */
  const upTo = (checkpoint: Position | null) =>
    checkpoint === null ? 0 : log.findIndex((e) => e.position === checkpoint) + 1;

  let killed: { projection: ProjectionName; first: number } | null = null;
  for (const hang of [...KILLS, null]) {
    const child = spawnChild({ ...config, hang }, children);
    const found = expectExactlyOnce(await child.state(0), log);
    // The batch killed last time is gone entirely, and the batches before it are all there.
    if (killed) expect(upTo(found[killed.projection])).toBe(killed.first);

    const { kind, data } = await child.signalled;
    if (hang === null) {
      expect(kind).toBe('DONE');
      // The last run applied exactly what the kills had left, and reached the head.
      expect(data).toEqual({
        command_status: log.length - upTo(found.command_status),
        device_summary: log.length - upTo(found.device_summary),
      });
      const head = log.at(-1)!.position;
      const final = expectExactlyOnce(await child.state(1), log);
      expect(final).toEqual({ command_status: head, device_summary: head });
      expect(await child.exited).toEqual({ code: 0, signal: null });
      return;
    }
    expect(kind).toBe('HANG');
    const open = data as HangSignal;
    expect(open).toMatchObject(hang);
    // The child resumed at its checkpoint: its n-th batch starts n - 1 batches past it.
    const first = log.findIndex((e) => e.position === open.first);
    expect(first).toBe(upTo(found[hang.projection]) + (hang.batch - 1) * BATCH_SIZE);
    // PostgreSQL shows the child's transaction, open: the kill strikes it in flight.
    const transactions = await backend.openTransactions();
    if (transactions !== null) expect(transactions).toBeGreaterThanOrEqual(1);
    child.process.kill('SIGKILL');
    expect(await child.exited).toEqual({ code: null, signal: 'SIGKILL' });
    await backend.afterKill();
    killed = { projection: hang.projection, first };
  }
};

describe('projection exactly-once across kill -9', () => {
  // Concurrently: each is mostly a child process at work, and PGlite's mostly on one core.
  it.concurrent.each(variants)(
    '%s: a batch killed with its transaction open leaves nothing; the next run applies it once',
    async (_label, setup) => {
      const backend = await setup();
      const children: Child[] = [];
      try {
        const log = await seed(backend);
        expect(log.length).toBeGreaterThan(2900);
        await killAndResume(backend, log, children);
      } finally {
        for (const child of children) {
          if (child.process.exitCode === null && child.process.signalCode === null) {
            child.process.kill('SIGKILL');
            await child.exited;
          }
        }
        await backend.cleanup();
      }
    },
    120_000,
  );
});
