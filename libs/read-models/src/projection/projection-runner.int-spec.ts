import { expect, it } from '@jest/globals';
import type { Position, SqlDriver } from '@ratchet/event-store';
import { eventIdFor, streamOf } from '@ratchet/lifecycle';
import { randomUUID } from 'node:crypto';
import { deviceSummaryProjection } from '../device-summary/device-summary.projection.js';
import { DEFAULT_PROJECTIONS } from '../sql-read-model-store.js';
import { CommandWriter, requestedData, seconds } from '../../test/command-writer.js';
import { eventually } from '../../test/eventually.js';
import { describeOnBothDatabases } from '../../test/read-model-fixture.js';
import { applyBatch } from './apply-batch.js';
import { ProjectionRunner } from './projection-runner.js';
import type { Projection } from './projection.js';
import { ProjectionVersionError } from './projection-status.js';

/** The real device summary, except that its `n`-th batch writes its rows and then throws. */
const failingOnBatch = (n: number): Projection => {
  let batches = 0;
  return {
    ...deviceSummaryProjection,
    async apply(tx, events, context) {
      await deviceSummaryProjection.apply(tx, events, context);
      batches += 1;
      if (batches === n) throw new Error('crash in the middle of a batch');
    },
  };
};

const checkpointOf = async (driver: SqlDriver, name: string) =>
  (
    await driver.query<{ position: string | null }>(
      {
        name: 'test_checkpoint',
        text: 'SELECT position FROM projection_checkpoints WHERE name = $1',
      },
      [name],
    )
  )[0]?.position;

describeOnBothDatabases('projection runner', (fixture) => {
  /** `count` commands on a fresh device, each requested then sent: 2 events per command. */
  const seedDevice = async (device: string, count: number) => {
    const writer = new CommandWriter(fixture().eventStore);
    for (let i = 0; i < count; i += 1) {
      const id = await writer.issue(device, seconds(i));
      await writer.at(id, 'CommandSent', seconds(i + 0.5));
    }
  };

  /** Everything already in the log applied, so that a test's batches hold only its own events. */
  const settle = async () => (await fixture().open()).catchUp();

  it('rolls back the rows and the checkpoint of a batch that fails half-way', async () => {
    await settle();
    const before = await checkpointOf(fixture().driver, 'device_summary');
    await seedDevice('crash-1', 3);
    const crashing = await fixture().open({ projections: [failingOnBatch(1)] });
    await expect(crashing.catchUp()).rejects.toThrow('crash in the middle of a batch');
    expect(await checkpointOf(fixture().driver, 'device_summary')).toBe(before);
    expect(await crashing.getDeviceSummary('crash-1')).toBeNull();
  });

  it('resumes after a crash without losing or repeating an event', async () => {
    await settle();
    await seedDevice('crash-2', 5);
    // Batches of 3 events: the first commits, the second dies after writing its rows.
    const crashing = await fixture().open({ projections: [failingOnBatch(2)], batchSize: 3 });
    await expect(crashing.catchUp()).rejects.toThrow('crash in the middle of a batch');
    const half = await crashing.getDeviceSummary('crash-2');
    expect(half?.total).toBe(2);

    const restarted = await fixture().open({ batchSize: 3 });
    await restarted.catchUp();
    const summary = await restarted.getDeviceSummary('crash-2');
    expect(summary?.total).toBe(5);
    expect(summary?.byStatus).toMatchObject({ requested: 0, sent: 5 });
  });

  it('two live runners on the same projections give the result of one', async () => {
    await settle();
    const [a, b] = [await fixture().open({ batchSize: 7 }), await fixture().open({ batchSize: 5 })];
    a.start();
    b.start();
    const writer = new CommandWriter(fixture().eventStore);
    const ids = await Promise.all(
      Array.from({ length: 30 }, (_, i) => writer.issue('twins', seconds(100 + i))),
    );
    for (const [i, id] of ids.entries()) {
      await writer.at(id, 'CommandSent', seconds(200 + i));
      if (i % 3 === 0) await writer.at(id, 'CommandAcknowledged', seconds(300 + i));
    }
    const summary = await eventually(async () => {
      const s = await a.getDeviceSummary('twins');
      expect(s?.byStatus).toMatchObject({ requested: 0, sent: 20, acknowledged: 10 });
      return s;
    });
    await eventually(async () => expect((await a.lag()).every((l) => l.events === 0)).toBe(true));
    expect(await b.getDeviceSummary('twins')).toEqual(summary);
    expect(summary?.total).toBe(30);
    const listed = await b.listCommands({ deviceId: 'twins', limit: 500 });
    expect(listed.items).toHaveLength(30);
    expect(listed.items.filter((c) => c.state.status === 'acknowledged')).toHaveLength(10);
    // Each event was applied by exactly one of the two: 30 requested, 30 sent, 10 acknowledged.
    for (const name of ['command_status', 'device_summary']) {
      const runs = [...a.status(), ...b.status()].filter((s) => s.name === name);
      expect(runs.reduce((sum, s) => sum + s.appliedEvents, 0)).toBe(70);
      expect(runs.every((s) => s.failure === null)).toBe(true);
    }
    await Promise.all([a.stop(), b.stop()]);
  });

  it('of two batches from the same checkpoint, one commits and the other writes nothing', async () => {
    await settle();
    await seedDevice('race', 1);
    const { eventStore, driver } = fixture();
    const from = (await checkpointOf(driver, 'device_summary')) as Position | null;
    const events = await eventStore.readAll({ after: from, streamPrefix: 'command-' });
    const context = { skipped: () => undefined };
    const outcomes = await Promise.all(
      [1, 2].map(() => applyBatch(driver, deviceSummaryProjection, from, events, context)),
    );
    expect(outcomes.sort()).toEqual(['applied', 'conflict']);
    expect(await checkpointOf(driver, 'device_summary')).toBe(events.at(-1)?.position);
    const store = await fixture().open();
    expect((await store.getDeviceSummary('race'))?.byStatus.sent).toBe(1);
  });

  it('after losing the race to a smaller batch, applies the rest of its own batch (live)', async () => {
    await settle();
    const { driver, eventStore } = fixture();
    const projection = deviceSummaryProjection;
    const context = { skipped: () => undefined };
    // Another runner wins with the first 3 events of the batch this one is about to write.
    let armed = false;
    const racing: SqlDriver = {
      query: (statement, params) => driver.query(statement, params),
      exec: (script) => driver.exec(script),
      close: async () => undefined,
      transaction: async (work) => {
        if (armed) {
          armed = false;
          const from = (await checkpointOf(driver, projection.name)) as Position | null;
          const first = await eventStore.readAll({
            after: from,
            streamPrefix: 'command-',
            limit: 3,
          });
          expect(await applyBatch(driver, projection, from, first, context)).toBe('applied');
        }
        return driver.transaction(work);
      },
    };
    const runner = new ProjectionRunner(projection, racing, eventStore, { batchSize: 100 });
    runner.start();
    try {
      await eventually(async () => expect(runner.status().state).toBe('live'));
      armed = true;
      // One commit: the live feed delivers all ten events as one batch.
      const ids = Array.from({ length: 5 }, () => randomUUID());
      await eventStore.appendMany(
        ids.map((id, i) => ({
          stream: streamOf(id),
          expected: 'no_stream' as const,
          events: [
            {
              id: eventIdFor(id, 'CommandRequested'),
              type: 'CommandRequested',
              data: { ...requestedData(id, 'race-live', i) } as Record<string, unknown>,
            },
            {
              id: eventIdFor(id, 'CommandSent'),
              type: 'CommandSent',
              data: { at: seconds(i + 1).toISOString() },
            },
          ],
        })),
      );
      await eventually(async () => {
        const summary = await (await fixture().open()).getDeviceSummary('race-live');
        expect([summary?.total, summary?.byStatus.sent]).toEqual([5, 5]);
      });
      expect(runner.status()).toMatchObject({ conflicts: 1, appliedEvents: 7, failure: null });
    } finally {
      await runner.stop();
    }
  });

  it('rebuilds from the start when the version rises; the older version then refuses to write', async () => {
    const { driver, eventStore } = fixture();
    await driver.exec('CREATE TABLE IF NOT EXISTS test_event_count (n bigint NOT NULL)');
    const counting = (version: number): Projection => ({
      name: 'test_event_count',
      version,
      streamPrefix: 'command-',
      handles: () => true,
      apply: async (tx, events) => {
        await tx.query({ name: 'test_count', text: 'INSERT INTO test_event_count VALUES ($1)' }, [
          events.length,
        ]);
      },
      reset: (tx) => tx.exec('DELETE FROM test_event_count'),
    });
    const total = async () =>
      Number(
        (
          await driver.query<{ n: bigint | null }>(
            { name: 'test_count_sum', text: 'SELECT sum(n)::bigint AS n FROM test_event_count' },
            [],
          )
        )[0]?.n ?? 0,
      );
    await eventStore.settled();
    const inLog = (await eventStore.readAll({ streamPrefix: 'command-', limit: 100_000 })).length;
    await (await fixture().open({ projections: [counting(1)] })).catchUp();
    expect(await total()).toBe(inLog);
    await (await fixture().open({ projections: [counting(2)] })).catchUp();
    expect(await total()).toBe(inLog);
    await expect((await fixture().open({ projections: [counting(1)] })).catchUp()).rejects.toThrow(
      ProjectionVersionError,
    );
  });

  it('reports lag in events and age, and none once caught up', async () => {
    await settle();
    const store = await fixture().open({ projections: DEFAULT_PROJECTIONS, now: () => Date.now() });
    await seedDevice('laggard', 2);
    const behind = await store.lag();
    // The projections of other streams (groups, device presence) have nothing to do.
    expect(Object.fromEntries(behind.map((l) => [l.name, l.events]))).toMatchObject({
      command_status: 4,
      device_summary: 4,
      group_members: 0,
      device_presence: 0,
    });
    expect(behind.every((l) => l.ms >= 0 && !l.capped)).toBe(true);
    await store.catchUp();
    expect((await store.lag()).every((l) => l.events === 0 && l.ms === 0)).toBe(true);
  });
});
