/**
 * Rebuild and verify speed on PostgreSQL and PGlite: `npm run bench:rebuild`.
 * Seeds BENCH_EVENTS events (default 1,000,000: 250,000 commands of 4 events) into a fresh
 * PostgreSQL database (DATABASE_URL picks the server) and BENCH_PGLITE_EVENTS (default the
 * same) into a PGlite data directory, rebuilds both projections, runs `verify`, prints events/s,
 * then drops the database and deletes the directory. The goal: >= 50,000 events/s on PostgreSQL.
 * BENCH_PORT=1 adds a rebuild that reads the log through the event store's `readAll`;
 * BENCH_TARGETS=postgres or pglite runs one of the two.
 */
import { PGlite } from '@electric-sql/pglite';
import {
  createPgliteEventStore,
  createPostgresEventStore,
  type EventStore,
  PgliteDriver,
  PostgresDriver,
  type SqlDriver,
  type SqlExecutor,
} from '@ratchet/event-store';
import {
  type LogReader,
  listCommands,
  migrateReadModels,
  rebuildProjection,
  sqlLogReader,
  verifyLedger,
} from '@ratchet/read-models';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { EVENTS_PER_COMMAND, seedCommands } from './rebuild-seed.js';

const SERVER = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const EVENTS = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const PGLITE_EVENTS = Number(process.env.BENCH_PGLITE_EVENTS ?? EVENTS);

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const rate = (events: number, ms: number) => `${fmt((events / ms) * 1000)} events/s`;

const timed = async <T>(work: () => Promise<T>): Promise<[T, number]> => {
  const started = performance.now();
  const result = await work();
  return [result, performance.now() - started];
};

const run = async (
  label: string,
  store: EventStore,
  driver: SqlDriver,
  events: number,
): Promise<void> => {
  const commands = Math.ceil(events / EVENTS_PER_COMMAND);
  console.log(
    `\n${label}: seeding ${fmt(commands * EVENTS_PER_COMMAND)} events (${fmt(commands)} commands)`,
  );
  let shown = 0;
  const [, seedMs] = await timed(() =>
    seedCommands(driver, commands, randomUUID(), (written) => {
      if (written - shown >= 200_000) {
        shown = written;
        console.log(`  … ${fmt(written)}`);
      }
    }),
  );
  console.log(
    `  seeded in ${(seedMs / 1000).toFixed(1)} s (${rate(commands * EVENTS_PER_COMMAND, seedMs)})`,
  );
  await migrateReadModels(driver);
  // The CLI's path: the events table read directly (the event store port for comparison with
  // BENCH_PORT=1, which adds a rebuild of command_status through `readAll`).
  const paths: [string, LogReader | undefined][] = [['', sqlLogReader(driver, store)]];
  if (process.env.BENCH_PORT === '1') paths.push([' (port)', undefined]);
  for (const [suffix, log] of paths) {
    for (const name of suffix ? ['command_status'] : ['command_status', 'device_summary']) {
      const [result, ms] = await timed(() =>
        rebuildProjection({ driver, eventStore: store, log, name, batchSize: 5000 }),
      );
      console.log(
        `  rebuild ${`${name}${suffix}`.padEnd(22)} ${fmt(result.events)} events, ${fmt(result.rows)} rows ` +
          `in ${(ms / 1000).toFixed(1)} s: ${rate(result.events, ms)} (load ${fmt(result.ms.load)} ms, ` +
          `indexes ${fmt(result.ms.index)} ms, switch ${fmt(result.ms.switch)} ms, log via ${result.logPath})`,
      );
    }
  }
  await listPages(driver);
  const [report, verifyMs] = await timed(() =>
    verifyLedger({ driver, eventStore: store, log: sqlLogReader(driver, store) }),
  );
  console.log(
    `  verify                         ${fmt(report.events)} events, ${fmt(report.commands)} commands in ` +
      `${(verifyMs / 1000).toFixed(1)} s: ${rate(report.events, verifyMs)}; ` +
      `${report.violations.length} violations, ${report.mismatches.length} mismatches`,
  );
  console.log(
    `  (load average ${loadavg()
      .map((n) => n.toFixed(1))
      .join(' ')} on ${cpus().length} cores)`,
  );
};

/**
 * What a `GET /commands` page costs at this size (the rebuilt command_status, ANALYZEd): the
 * newest page, by device, by status, by both, and 20 pages deep, each the median of 20 reads.
 */
const listPages = async (driver: SqlExecutor): Promise<void> => {
  const median = async (read: () => Promise<unknown>): Promise<number> => {
    const times: number[] = [];
    for (let i = 0; i < 20; i++) times.push((await timed(read))[1]);
    return times.sort((a, b) => a - b)[10]!;
  };
  const deep = async (filter: { deviceId?: string }): Promise<void> => {
    let after: string | undefined;
    for (let i = 0; i < 20; i++) {
      const page = await listCommands(driver, {
        ...filter,
        limit: 50,
        ...(after ? { after } : {}),
      });
      if (!page.next) return;
      after = page.next;
    }
  };
  const cases: [string, () => Promise<unknown>][] = [
    ['newest 50', () => listCommands(driver, { limit: 50 })],
    ['one device', () => listCommands(driver, { deviceId: 'bench-7', limit: 50 })],
    ['one status', () => listCommands(driver, { status: 'timed_out', limit: 50 })],
    [
      'device + status',
      () => listCommands(driver, { deviceId: 'bench-7', status: 'failed', limit: 50 }),
    ],
    ['20 pages deep (total)', () => deep({})],
  ];
  const figures: string[] = [];
  for (const [what, read] of cases) figures.push(`${what} ${(await median(read)).toFixed(1)} ms`);
  console.log(`  GET /commands pages (median of 20): ${figures.join(', ')}`);
};

const postgres = async (): Promise<void> => {
  const admin = new pg.Client({ connectionString: SERVER });
  await admin.connect();
  const database = `ratchet_bench_rebuild_${randomUUID().slice(0, 8)}`;
  await admin.query(`CREATE DATABASE "${database}"`);
  const url = new URL(SERVER);
  url.pathname = `/${database}`;
  const pool = new pg.Pool({ connectionString: url.toString(), max: 8 });
  pool.on('error', () => undefined); // idle connections cut by DROP DATABASE ... FORCE
  const store = await createPostgresEventStore({ pool });
  try {
    await run(`PostgreSQL (${database})`, store, new PostgresDriver(pool, false), EVENTS);
  } finally {
    await store.close();
    await pool.end();
    await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    await admin.end();
  }
};

const pglite = async (): Promise<void> => {
  const dir = await mkdtemp(join(tmpdir(), 'ratchet-bench-rebuild-'));
  const db = await PGlite.create(join(dir, 'pglite'));
  const store = await createPgliteEventStore({ pglite: db });
  try {
    await run(`PGlite (${dir})`, store, new PgliteDriver(db, false), PGLITE_EVENTS);
  } finally {
    await store.close();
    await db.close();
    await rm(dir, { recursive: true, force: true });
  }
};

const TARGETS = (process.env.BENCH_TARGETS ?? 'postgres,pglite').split(',');
if (TARGETS.includes('postgres')) await postgres();
if (TARGETS.includes('pglite') && PGLITE_EVENTS > 0) await pglite();
