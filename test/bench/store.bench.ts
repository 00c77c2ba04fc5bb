/**
 * Event store throughput, PostgreSQL and PGlite: guarded appends against the raw INSERT
 * limit at 1 and 8 writers, and appendMany of 100 transitions. `npm run bench:store`.
 * BENCH_SECONDS (default 6) per guarded/raw pair, run in alternating slices so that load
 * from other processes falls on both alike; DATABASE_URL picks the PostgreSQL server.
 */
import { PGlite } from '@electric-sql/pglite';
import { createPgliteEventStore, createPostgresEventStore } from '@ratchet/event-store';
import type { EventStore } from '@ratchet/event-store';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import {
  batchedTransitions,
  guardedAppends,
  compare,
  pgliteRawTarget,
  postgresRawTarget,
  prepare,
  rawInserts,
  type RawTarget,
} from './workloads.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 6);
const SERVER = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const WRITERS = [1, 8];
const BATCH = 100;

interface Target {
  readonly name: string;
  readonly store: EventStore;
  readonly raw: RawTarget;
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US').padStart(8);

const run = async ({ name, store, raw: target }: Target): Promise<void> => {
  await target.setup();
  console.log(`\n${name}`);
  for (const writers of WRITERS) {
    const label = `${randomUUID().slice(0, 6)}-${writers}`;
    const [guarded, raw] = await compare(SECONDS, [
      await prepare(writers, guardedAppends(store, label)),
      await prepare(writers, rawInserts(target.insert, label)),
    ]);
    console.log(
      `  ${writers} writer${writers > 1 ? 's' : ' '}  guarded append ${fmt(guarded)}/s` +
        `   raw INSERT ${fmt(raw)}/s   ratio ${(guarded / raw).toFixed(2)}`,
    );
  }
  const batches = await prepare(1, batchedTransitions(store, randomUUID().slice(0, 6), BATCH));
  const [many] = await compare(SECONDS / 2, [batches], 1);
  console.log(`  appendMany of ${BATCH} transitions on ${BATCH} streams ${fmt(many)} events/s`);
};

const postgres = async (): Promise<void> => {
  const admin = new pg.Client({ connectionString: SERVER });
  await admin.connect();
  const database = `ratchet_bench_${randomUUID().slice(0, 8)}`;
  await admin.query(`CREATE DATABASE "${database}"`);
  const url = new URL(SERVER);
  url.pathname = `/${database}`;
  const store = await createPostgresEventStore({ connectionString: url.toString(), poolSize: 8 });
  const pool = new pg.Pool({ connectionString: url.toString(), max: 8 });
  pool.on('error', () => undefined); // idle connections cut by DROP DATABASE ... FORCE
  try {
    await run({
      name: `PostgreSQL (${database}, pool of 8)`,
      store,
      raw: postgresRawTarget(pool),
    });
  } finally {
    await store.close();
    await pool.end();
    await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    await admin.end();
  }
};

const pglite = async (): Promise<void> => {
  const dataDir = await mkdtemp(join(tmpdir(), 'ratchet-bench-'));
  const db = await PGlite.create(dataDir);
  const store = await createPgliteEventStore({ pglite: db });
  try {
    await run({
      name: `PGlite (data directory ${dataDir}; one connection, writers take turns)`,
      store,
      raw: pgliteRawTarget(db),
    });
  } finally {
    await store.close();
    await db.close();
    await rm(dataDir, { recursive: true, force: true });
  }
};

const main = async (): Promise<void> => {
  const started = Date.now();
  await postgres();
  await pglite();
  console.log(
    `\n(${((Date.now() - started) / 1000).toFixed(0)} s; ${SECONDS} s per guarded/raw pair)`,
  );
};

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
