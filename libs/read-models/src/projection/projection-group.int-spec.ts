import { beforeAll, expect, it } from '@jest/globals';
import type { EventStore, RecordedEvent, SqlDriver, SqlStatement } from '@ratchet/event-store';
import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { eventually } from '../../test/eventually.js';
import { describeOnBothDatabases } from '../../test/read-model-fixture.js';
import type { Projection } from './projection.js';
import { ProjectionGroup } from './projection-group.js';

const RECORD: SqlStatement = {
  name: 'test_group_record',
  text: `INSERT INTO test_group_applied (projection, position)
         SELECT $1, p FROM unnest($2::text[]) AS p`,
};
const RECORDED: SqlStatement = {
  name: 'test_group_recorded',
  text: 'SELECT position FROM test_group_applied WHERE projection = $1 ORDER BY position',
};

/**
 * Records every event it is given (no key: an event applied twice shows up twice). `fail`:
 * when it returns true, `apply` writes its rows and then throws.
 */
const recorder = (
  name: string,
  streamPrefix: string,
  fail: (events: readonly RecordedEvent[]) => boolean = () => false,
): Projection => ({
  name,
  version: 1,
  streamPrefix,
  handles: (event) => event.type !== 'Ignored',
  async apply(tx, events) {
    await tx.query(RECORD, [name, events.map((e) => e.position)]);
    if (fail(events)) throw new Error(`${name} refuses this batch`);
  },
  reset: async () => undefined,
});

/** A driver whose `transaction` calls are counted. */
const counting = (driver: SqlDriver): SqlDriver & { transactions: number } => {
  const wrapped = {
    transactions: 0,
    query: driver.query.bind(driver),
    exec: driver.exec.bind(driver),
    close: async () => undefined,
    transaction: <T>(work: Parameters<SqlDriver['transaction']>[0]) => {
      wrapped.transactions += 1;
      return driver.transaction(work) as Promise<T>;
    },
  };
  return wrapped as SqlDriver & { transactions: number };
};

/** `count` events on each stream, one append per stream, `Ignored` every third. */
const append = async (store: EventStore, streams: readonly string[], count: number) =>
  store.appendMany(
    streams.map((stream) => ({
      stream,
      expected: 'any' as const,
      events: Array.from({ length: count }, (_, i) => ({
        id: randomUUID(),
        type: i % 3 === 2 ? 'Ignored' : 'Seen',
        data: { i },
      })),
    })),
  );

describeOnBothDatabases('projection group', (fixture) => {
  beforeAll(async () => {
    await fixture().open(); // the read models' tables (projection_checkpoints)
    await fixture().driver.exec(
      'CREATE TABLE IF NOT EXISTS test_group_applied (projection text NOT NULL, position text NOT NULL)',
    );
  });

  const recorded = async (name: string) =>
    (await fixture().driver.query<{ position: string }>(RECORDED, [name]))
      .map((r) => r.position)
      .sort();
  /** What a projection of `prefix` must hold: each handled event of its streams, once. */
  const expected = async (prefix: string) =>
    (await fixture().eventStore.readAll({ streamPrefix: prefix, limit: 100_000 }))
      .filter((e) => e.type !== 'Ignored')
      .map((e) => e.position)
      .sort();
  const caughtUp = async (group: ProjectionGroup) =>
    eventually(async () => {
      expect((await group.lag()).map((l) => l.events)).toEqual(group.status().map(() => 0));
    }, 20_000);

  it('commits one batch of every projection in one transaction', async () => {
    const run = `g${randomUUID().slice(0, 8)}`;
    const driver = counting(fixture().driver);
    const prefixes = [`${run}-a-`, `${run}-a-`, `${run}-b-`, `${run}-`];
    const group = new ProjectionGroup(driver, fixture().eventStore);
    prefixes.forEach((prefix, i) => group.add(recorder(`${run}_${i}`, prefix)));
    group.start();
    try {
      await eventually(async () =>
        expect(group.status().every((s) => s.state === 'live')).toBe(true),
      );
      const before = driver.transactions;
      // One commit: the feed reads it at once, and every projection has events in it.
      await append(fixture().eventStore, [`${run}-a-1`, `${run}-a-2`, `${run}-b-1`], 3);
      await caughtUp(group);
      expect(driver.transactions - before).toBe(1);
      for (const [i, prefix] of prefixes.entries())
        expect(await recorded(`${run}_${i}`)).toEqual(await expected(prefix));
      expect(group.status().map((s) => s.appliedEvents)).toEqual([6, 6, 3, 9]);
    } finally {
      await group.stop();
    }
  });

  it('moves the checkpoint of a projection whose streams are quiet with every batch', async () => {
    const run = `g${randomUUID().slice(0, 8)}`;
    const group = new ProjectionGroup(fixture().driver, fixture().eventStore);
    group.add(recorder(`${run}_busy`, `${run}-a-`));
    group.add(recorder(`${run}_quiet`, `${run}-quiet-`));
    group.start();
    try {
      await eventually(async () =>
        expect(group.status().every((s) => s.state === 'live')).toBe(true),
      );
      await append(fixture().eventStore, [`${run}-a-1`, `${run}-a-2`], 3);
      await caughtUp(group);
      await eventually(async () => {
        const [busy, quiet] = group.status();
        expect(busy!.appliedEvents).toBe(6);
        // Nothing to apply, and yet not left behind: its lag probe and its next catch-up
        // start where the busy one is, not at the start of the log.
        expect(quiet!.appliedEvents).toBe(0);
        expect(quiet!.position).toBe(busy!.position);
      });
      expect(await recorded(`${run}_quiet`)).toEqual([]);
    } finally {
      await group.stop();
    }
  });

  it('two groups racing on the same projections give the rows of one, each event once', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            streams: fc.subarray(['a-1', 'a-2', 'b-1', 'c-1'], { minLength: 1 }),
            count: fc.integer({ min: 1, max: 4 }),
          }),
          { minLength: 1, maxLength: 6 },
        ),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 6 }),
        async (appends, batchA, batchB) => {
          const run = `r${randomUUID().slice(0, 8)}`;
          const projections = [`${run}-a-`, `${run}-b-`, `${run}-`].map((prefix, i) =>
            recorder(`${run}_${i}`, prefix),
          );
          const groups = [batchA, batchB].map((batchSize) => {
            const group = new ProjectionGroup(fixture().driver, fixture().eventStore, {
              batchSize,
              retryDelayMs: 10,
            });
            for (const projection of projections) group.add(projection);
            return group;
          });
          // Half of the log before the groups start (catch-up), half while they follow it.
          const half = Math.ceil(appends.length / 2);
          for (const { streams, count } of appends.slice(0, half))
            await append(
              fixture().eventStore,
              streams.map((s) => `${run}-${s}`),
              count,
            );
          for (const group of groups) group.start();
          try {
            for (const { streams, count } of appends.slice(half))
              await append(
                fixture().eventStore,
                streams.map((s) => `${run}-${s}`),
                count,
              );
            for (const group of groups) await caughtUp(group);
            for (const projection of projections) {
              const want = await expected(projection.streamPrefix);
              expect(await recorded(projection.name)).toEqual(want);
              const inLog = await fixture().eventStore.readAll({
                streamPrefix: projection.streamPrefix,
              });
              // Each event applied by exactly one of the two groups.
              await eventually(async () => {
                const applied = groups
                  .flatMap((g) => g.status())
                  .filter((s) => s.name === projection.name);
                expect(applied.reduce((sum, s) => sum + s.appliedEvents, 0)).toBe(inLog.length);
                expect(applied.every((s) => s.failure === null)).toBe(true);
              });
            }
          } finally {
            await Promise.all(groups.map((g) => g.stop()));
          }
        },
      ),
      { numRuns: 8 },
    );
  }, 120_000);

  it('a projection whose version rose replays the log alone while the others follow it live, then joins them', async () => {
    const run = `v${randomUUID().slice(0, 8)}`;
    const live = recorder(`${run}_live`, `${run}-`);
    const replayed = (version: number): Projection => ({
      ...recorder(`${run}_replayed`, `${run}-`),
      version,
      reset: (tx) =>
        tx
          .query(
            {
              name: 'test_group_reset',
              text: 'DELETE FROM test_group_applied WHERE projection = $1',
            },
            [`${run}_replayed`],
          )
          .then(() => undefined),
    });
    for (let i = 0; i < 6; i += 1) await append(fixture().eventStore, [`${run}-s${i}`], 3);
    const first = new ProjectionGroup(fixture().driver, fixture().eventStore);
    first.add(replayed(1));
    await first.catchUp();
    expect(await recorded(`${run}_replayed`)).toEqual(await expected(`${run}-`));

    // Version 2 empties its rows and replays 18 events 2 at a time, while `live` follows.
    const group = new ProjectionGroup(fixture().driver, fixture().eventStore, { batchSize: 2 });
    group.add(live);
    group.add(replayed(2));
    group.start();
    try {
      for (let i = 0; i < 3; i += 1) await append(fixture().eventStore, [`${run}-t${i}`], 2);
      await caughtUp(group);
      for (const name of [`${run}_live`, `${run}_replayed`])
        expect(await recorded(name)).toEqual(await expected(`${run}-`));
      await eventually(async () =>
        expect(group.status().map((s) => [s.name, s.state, s.version])).toEqual([
          [`${run}_live`, 'live', 1],
          [`${run}_replayed`, 'live', 2],
        ]),
      );
    } finally {
      await group.stop();
    }
  });

  it('a projection that keeps failing leaves the group; the others advance; it rejoins once healed', async () => {
    const run = `f${randomUUID().slice(0, 8)}`;
    let refusing = true;
    const projections = [
      recorder(`${run}_ok1`, `${run}-`),
      recorder(`${run}_bad`, `${run}-`, () => refusing),
      recorder(`${run}_ok2`, `${run}-x`),
    ];
    const group = new ProjectionGroup(fixture().driver, fixture().eventStore, {
      retryDelayMs: 20,
      maxRetryDelayMs: 50,
    });
    for (const projection of projections) group.add(projection);
    group.start();
    try {
      await eventually(async () =>
        expect(group.status().every((s) => s.state === 'live')).toBe(true),
      );
      for (let i = 0; i < 3; i += 1) await append(fixture().eventStore, [`${run}-x${i}`], 4);
      await eventually(async () => {
        expect(await recorded(`${run}_ok1`)).toEqual(await expected(`${run}-`));
        expect(await recorded(`${run}_ok2`)).toEqual(await expected(`${run}-x`));
      });
      const bad = () => group.status().find((s) => s.name === `${run}_bad`)!;
      expect(bad()).toMatchObject({ appliedEvents: 0, failure: `${run}_bad refuses this batch` });
      expect(await recorded(`${run}_bad`)).toEqual([]);

      refusing = false;
      await append(fixture().eventStore, [`${run}-x9`], 2);
      await caughtUp(group);
      for (const projection of projections)
        expect(await recorded(projection.name)).toEqual(await expected(projection.streamPrefix));
      await eventually(async () => expect(bad()).toMatchObject({ state: 'live', failure: null }));
    } finally {
      await group.stop();
    }
  }, 30_000);
});
