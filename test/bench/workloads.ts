import type { PGlite } from '@electric-sql/pglite';
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { EventStore, NewEvent } from '@ratchet/event-store';

/** One writer's unit of work; resolves to the number of events it wrote. */
export type Work = () => Promise<number>;

/** A workload prepared for some writers: run it for a while, get events and seconds. */
export interface Workload {
  run(seconds: number): Promise<{ events: number; seconds: number }>;
}

export const prepare = async (
  writers: number,
  makeWork: (writer: number) => Promise<Work>,
): Promise<Workload> => {
  const works = await Promise.all(Array.from({ length: writers }, (_, w) => makeWork(w)));
  const run = async (seconds: number) => {
    let events = 0;
    const start = performance.now();
    const deadline = Date.now() + seconds * 1000;
    await Promise.all(
      works.map(async (work) => {
        while (Date.now() < deadline) {
          const written = await work(); // not `events += await work()`: that reads events before awaiting
          events += written;
        }
      }),
    );
    return { events, seconds: (performance.now() - start) / 1000 };
  };
  await run(0.3); // warm-up: prepared statements, pool connections, JIT
  return { run };
};

/**
 * Events per second of each workload, measured in alternating slices so that load from
 * other processes on a shared machine falls on all of them alike.
 */
export const compare = async (
  seconds: number,
  workloads: readonly Workload[],
  slices = 4,
): Promise<number[]> => {
  const totals = workloads.map(() => ({ events: 0, seconds: 0 }));
  for (let slice = 0; slice < slices; slice += 1) {
    for (const [i, workload] of workloads.entries()) {
      const { events, seconds: took } = await workload.run(seconds / slices);
      totals[i].events += events;
      totals[i].seconds += took;
    }
  }
  return totals.map((t) => t.events / t.seconds);
};

export const event = (): NewEvent => ({
  id: randomUUID(),
  type: 'CommandAcknowledged',
  data: { commandId: randomUUID(), status: 'acknowledged', attempt: 1 },
  metadata: { correlationId: randomUUID(), instance: 'bench' },
});

const STREAMS_PER_WRITER = 4;

/** Guarded transitions: each writer appends to its own streams at the exact expected revision. */
export const guardedAppends =
  (store: EventStore, run: string) =>
  async (writer: number): Promise<Work> => {
    const streams = Array.from(
      { length: STREAMS_PER_WRITER },
      (_, i) => `bench-${run}-${writer}-${i}`,
    );
    const revisions = await Promise.all(
      streams.map(
        async (s) => (await store.append(s, [event()], 'no_stream')).nextExpectedRevision,
      ),
    );
    let turn = 0;
    return async () => {
      const i = turn++ % streams.length;
      revisions[i] = (await store.append(streams[i], [event()], revisions[i])).nextExpectedRevision;
      return 1;
    };
  };

/** appendMany of one transition on each of `count` streams, again and again. */
export const batchedTransitions =
  (store: EventStore, run: string, count: number) =>
  async (writer: number): Promise<Work> => {
    const streams = Array.from({ length: count }, (_, i) => `bench-${run}-many-${writer}-${i}`);
    const created = await store.appendMany(
      streams.map((stream) => ({ stream, events: [event()], expected: 'no_stream' as const })),
    );
    let revisions = created.map((r) => r.nextExpectedRevision);
    return async () => {
      const results = await store.appendMany(
        streams.map((stream, i) => ({ stream, events: [event()], expected: revisions[i] })),
      );
      revisions = results.map((r) => r.nextExpectedRevision);
      return streams.length;
    };
  };

/** The raw limit: one single-row INSERT per commit into a table shaped like `events`. */
export const RAW_TABLE = `CREATE TABLE raw_events (LIKE events INCLUDING ALL)`;
export const RAW_INSERT = `INSERT INTO raw_events (stream_id, revision, event_id, type, data, metadata)
  VALUES ($1, $2, $3, $4, $5, $6)`;

export const rawInserts =
  (insert: (params: unknown[]) => Promise<unknown>, run: string) =>
  async (writer: number): Promise<Work> => {
    let revision = 0;
    return async () => {
      const e = event();
      await insert([
        `raw-${run}-${writer}`,
        revision++,
        e.id,
        e.type,
        JSON.stringify(e.data),
        JSON.stringify(e.metadata),
      ]);
      return 1;
    };
  };

/** Where raw INSERTs go: `setup` creates `raw_events` (once per database), `insert` writes one row. */
export interface RawTarget {
  readonly setup: () => Promise<unknown>;
  readonly insert: (params: unknown[]) => Promise<unknown>;
}

/** PostgreSQL: each INSERT is its own commit on one of the pool's connections. */
export const postgresRawTarget = (pool: pg.Pool): RawTarget => ({
  setup: () => pool.query(RAW_TABLE),
  insert: (values) => pool.query({ name: 'raw_insert', text: RAW_INSERT, values }),
});

/** PGlite: one connection, so writers take turns. */
export const pgliteRawTarget = (db: PGlite): RawTarget => ({
  setup: () => db.exec(RAW_TABLE),
  insert: (values) => db.query(RAW_INSERT, values),
});

/**
 * The raw limit on its own: single-row INSERT commits per second with `writers` concurrent
 * writers, for `seconds` (after the 0.3 s warm-up of `prepare`). Call `target.setup()` first.
 */
export const rawInsertLimit = async (
  target: RawTarget,
  writers: number,
  seconds: number,
): Promise<number> => {
  const label = `${randomUUID().slice(0, 6)}-${writers}`;
  const [perSecond] = await compare(
    seconds,
    [await prepare(writers, rawInserts(target.insert, label))],
    1,
  );
  return perSecond;
};
