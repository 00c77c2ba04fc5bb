import { expect, it } from '@jest/globals';
import type { EventStore, SqlDriver, SqlStatement } from '@ratchet/event-store';
import { type CommandState, commandIdOfStream, STATUSES } from '@ratchet/lifecycle';
import { foldRecordedEvent, isLifecycleEvent } from '../command-status/fold-recorded-event.js';
import { ProjectionVersionError } from '../projection/projection-status.js';
import type { ReadModelStore } from '../read-model-store.port.js';
import { CommandWriter, seconds } from '../../test/command-writer.js';
import { eventually } from '../../test/eventually.js';
import { writeBrokenStreams, writeHealthyMix } from '../../test/ledger-scenarios.js';
import { describeOnBothDatabases } from '../../test/read-model-fixture.js';
import type { LogReader } from './log-reader.js';
import { rebuildProjection } from './rebuild-projection.js';
import { UnknownProjectionError } from './rebuildable.js';
import { sqlLogReader } from './sql-log-reader.js';

const sql = (name: string, text: string): SqlStatement => ({ name, text });

/** Every row of the projection's tables, but for when it was written. */
const snapshot = async (driver: SqlDriver) => {
  const rows = (table: string, key: string) =>
    driver.query<{ row: unknown }>(
      sql(
        `test_snapshot_${table}`,
        `SELECT to_jsonb(t) - 'updated_at' AS row FROM ${table} t ORDER BY ${key}`,
      ),
      [],
    );
  return {
    commandStatus: await rows('command_status', 'command_id'),
    deviceSummary: await rows('device_summary', 'device_id'),
    deviceCommands: await rows('device_summary_commands', 'command_id'),
  };
};

const tablesLike = async (driver: SqlDriver, prefix: string) =>
  (
    await driver.query<{ tablename: string }>(
      sql('test_tables_like', 'SELECT tablename FROM pg_tables WHERE starts_with(tablename, $1)'),
      [prefix],
    )
  ).map((r) => r.tablename);

/**
 * A fresh fold of every stream in the log, by the projection's rule (the lifecycle's `evolve`,
 * skipping what a broken stream holds that cannot be folded): what the read model must hold.
 */
const freshFold = async (store: EventStore) => {
  const states = new Map<string, CommandState>();
  await store.settled();
  for (const e of await store.readAll({ streamPrefix: 'command-', limit: 1_000_000 })) {
    if (!isLifecycleEvent(e)) continue;
    const id = commandIdOfStream(e.stream) as string;
    const step = foldRecordedEvent(states.get(id) ?? null, e);
    if (step.kind === 'applied') states.set(id, step.state);
  }
  return states;
};

/** command_status and device_summary hold exactly the fresh fold of the log. */
const expectEqualToFreshFold = async (
  driver: SqlDriver,
  eventStore: EventStore,
  store: ReadModelStore,
) => {
  const states = await freshFold(eventStore);
  const rows = await driver.query<{
    command_id: string;
    revision: bigint;
    state: unknown;
    retried_by: string | null;
  }>(
    sql(
      'test_all_status_rows',
      'SELECT command_id, revision, state, retried_by FROM command_status',
    ),
    [],
  );
  expect(rows.length).toBe(states.size);
  const retriedBy = new Map(
    [...states.values()].filter((s) => s.retryOf).map((s) => [s.retryOf, s.commandId]),
  );
  for (const row of rows) {
    const expected = states.get(row.command_id) as CommandState;
    const { revision, ...stored } = expected;
    expect({ revision: row.revision, state: row.state, retriedBy: row.retried_by }).toEqual({
      revision,
      state: JSON.parse(JSON.stringify(stored)),
      retriedBy: retriedBy.get(row.command_id) ?? null,
    });
  }
  const devices = new Set([...states.values()].map((s) => s.deviceId));
  for (const deviceId of devices) {
    const counts = Object.fromEntries(STATUSES.map((s) => [s, 0]));
    for (const s of states.values()) if (s.deviceId === deviceId) counts[s.status]! += 1;
    expect((await store.getDeviceSummary(deviceId))?.byStatus).toEqual(counts);
  }
};

describeOnBothDatabases('rebuilding a projection', (fixture) => {
  const readers = (): [string, LogReader | undefined][] => [
    ['through the port', undefined],
    ['from the events table', sqlLogReader(fixture().driver, fixture().eventStore)],
  ];

  it('writes the very rows the projection writes, broken streams and retries included', async () => {
    const { driver, eventStore } = fixture();
    for (let d = 0; d < 3; d += 1) await writeHealthyMix(eventStore, `same-${d}`, d * 50);
    await writeBrokenStreams(eventStore, driver, 'same-broken');
    await (await fixture().open({ batchSize: 7 })).catchUp();
    const before = await snapshot(driver);
    expect(before.commandStatus.length).toBeGreaterThan(20);
    for (const [, log] of readers()) {
      for (const name of ['command_status', 'device_summary']) {
        const result = await rebuildProjection({ driver, eventStore, name, log, batchSize: 5 });
        expect(result).toMatchObject({ name, switchAttempts: 1, logPath: log ? 'sql' : 'port' });
        expect(result.skippedEvents).toBeGreaterThan(0);
      }
      expect(await snapshot(driver)).toEqual(before);
    }
    expect(await tablesLike(driver, 'command_status_rebuild_')).toEqual([]);
  });

  it('ends equal to a fresh fold when commands keep flowing, and the live runners go on on the new tables', async () => {
    const { driver, eventStore } = fixture();
    const store = await fixture().open({ batchSize: 20 });
    store.start();
    let writing = true;
    let written = 0;
    const writer = (async () => {
      while (writing) {
        await writeHealthyMix(eventStore, `flow-${written % 5}`, 1000 + written);
        written += 1;
        // PGlite answers in microtasks: without a turn of the event loop, no timer would fire.
        await new Promise(setImmediate);
      }
    })();
    let duringRebuilds = 0;
    try {
      await eventually(async () => expect(written).toBeGreaterThan(2));
      for (const [, log] of readers()) {
        for (const name of ['command_status', 'device_summary']) {
          const before = written;
          const result = await rebuildProjection({ driver, eventStore, name, log, batchSize: 100 });
          duringRebuilds += written - before;
          expect(result.position).not.toBeNull();
        }
      }
      expect(duringRebuilds).toBeGreaterThan(0); // the writer did write while rebuilding
      const after = written;
      await eventually(async () => expect(written).toBeGreaterThan(after + 1)); // after the switch
    } finally {
      writing = false;
      await writer;
    }
    await eventually(async () => {
      // Every projection the store runs (group_members besides the two rebuilt ones).
      const lag = await store.lag();
      expect(lag.map((l) => l.events)).toEqual(lag.map(() => 0));
    }, 30_000);
    expect(store.status().map((s) => s.failure)).toEqual(store.status().map(() => null));
    await expectEqualToFreshFold(driver, eventStore, store);
    await store.stop();
  });

  it.each([
    ['through the port: lets go and catches up again', false, 2],
    ['from the events table: reads the rest inside the switch', true, 1],
  ])('when a live runner got further than the rebuild, %s', async (_name, fromTable, attempts) => {
    const { driver, eventStore } = fixture();
    const log = fromTable ? sqlLogReader(driver, eventStore) : undefined;
    const deviceId = `race-ahead-${attempts}`;
    const runners = await fixture().open();
    const writer = new CommandWriter(eventStore);
    let armed = false;
    let raced = false;
    // The switching transaction is the first one after the 'switching' report: just before it,
    // a command is written and a runner applies it, so the live checkpoint is past the rebuild.
    const racing: SqlDriver = {
      query: (statement, params) => driver.query(statement, params),
      exec: (script) => driver.exec(script),
      close: async () => undefined,
      transaction: async (work) => {
        if (armed && !raced) {
          raced = true;
          await writer.issue(deviceId, seconds(5000));
          // Until the runner has it: a transaction elsewhere on the server can hold back the
          // horizon below which the log is readable.
          await eventually(async () => {
            await runners.catchUp();
            const items = (await runners.listCommands({ deviceId, limit: 5 })).items;
            expect(items).toHaveLength(1);
          });
        }
        return driver.transaction(work);
      },
    };
    const result = await rebuildProjection({
      driver: racing,
      eventStore,
      name: 'command_status',
      log,
      onProgress: (p) => void (armed ||= p.phase === 'switching'),
    });
    expect(raced).toBe(true);
    expect(result.switchAttempts).toBe(attempts);
    expect(result.tailEvents).toBe(1);
    await runners.catchUp();
    expect((await runners.listCommands({ deviceId, limit: 5 })).items).toHaveLength(1);
    await expectEqualToFreshFold(driver, eventStore, runners);
  });

  it('drops the tables an interrupted rebuild left, and its own when it fails', async () => {
    const { driver, eventStore } = fixture();
    await driver.exec('CREATE TABLE command_status_rebuild_old (LIKE command_status)');
    const result = await rebuildProjection({ driver, eventStore, name: 'command_status' });
    expect(result.droppedLeftovers).toEqual(['command_status_rebuild_old']);
    const failing: LogReader = {
      path: 'port',
      read: async () => {
        throw new Error('the log went away');
      },
      readWithin: async () => null,
    };
    const rows = (await snapshot(driver)).commandStatus;
    await expect(
      rebuildProjection({ driver, eventStore, name: 'command_status', log: failing }),
    ).rejects.toThrow('the log went away');
    expect(await tablesLike(driver, 'command_status_rebuild_')).toEqual([]);
    expect((await snapshot(driver)).commandStatus).toEqual(rows);
  });

  it('refuses a projection it does not know, and one a newer version owns', async () => {
    const { driver, eventStore } = fixture();
    await expect(rebuildProjection({ driver, eventStore, name: 'state_topic' })).rejects.toThrow(
      UnknownProjectionError,
    );
    const setVersion = sql(
      'test_set_version',
      `UPDATE projection_checkpoints SET version = $1 WHERE name = 'device_summary'`,
    );
    await driver.query(setVersion, [99]);
    try {
      await expect(
        rebuildProjection({ driver, eventStore, name: 'device_summary' }),
      ).rejects.toThrow(ProjectionVersionError);
    } finally {
      await driver.query(setVersion, [1]);
    }
  });
});
