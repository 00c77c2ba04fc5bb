import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { type EventStore, createPostgresEventStore } from '@ratchet/event-store';
import { type TestDatabase, createTestDatabase } from '@ratchet/event-store/testing';
import { checkStream, commandIdOfStream } from '@ratchet/lifecycle';
import { type PrivateMosquitto, startPrivateMosquitto } from '@ratchet/mqtt/testing';
import { type Fleet, startFleet } from '@ratchet/device-sim';
import { type TestLedger, eventually, startTestLedger } from './support/ledger-harness.js';
import { postgresAndMosquitto } from './support/services.js';

const COMMANDS = 1_000;
const DEVICES = 50;

const run = await postgresAndMosquitto();

/**
 * Two service instances against one Mosquitto (MQTT 5, shared subscriptions) and one
 * PostgreSQL; a burst answered by a fleet that duplicates, reorders and spoofs.
 */
(run ? describe : describe.skip)('two instances, one Mosquitto, one PostgreSQL', () => {
  let db: TestDatabase;
  let broker: PrivateMosquitto;
  let ledgers: TestLedger[] = [];
  let fleet: Fleet;
  let store: EventStore;
  const prefix = `burst${randomUUID().slice(0, 6)}`;

  beforeAll(async () => {
    db = await createTestDatabase('e2e_multi');
    // A broker of its own: Nagle off, and no per-client queue limit, so a burst is not dropped
    // by the broker while the ledger holds PUBACKs until its appends commit.
    broker = await startPrivateMosquitto([
      'set_tcp_nodelay true',
      'max_queued_messages 0',
      'max_inflight_messages 0',
    ]);
    const env = {
      LEDGER_STORE: 'postgres',
      DATABASE_URL: db.url,
      MQTT_URL: broker.url,
      MQTT_SHARED_GROUP: `g${randomUUID().slice(0, 8)}`,
      // Not a test of deadlines: on a loaded machine a burst's answers can take longer than
      // the default 10 s ack deadline, and the commands would end timed_out (with a late
      // result) instead of executed. test/time-and-retry covers deadlines.
      LEDGER_ACK_TIMEOUT_MS: String(600_000),
      LEDGER_TIMEOUT_MS: String(600_000),
      LEDGER_EXPIRES_IN_MS: String(600_000),
    };
    ledgers = [await startTestLedger(env), await startTestLedger(env)];
    fleet = await startFleet({
      url: broker.url,
      devices: DEVICES,
      prefix,
      seed: 7,
      behaviour: {
        duplicateRate: 0.5,
        resultBeforeAckRate: 0.2,
        noAckRate: 0.1,
        failureRate: 0.1,
        spoofRate: 0.1,
        delayMaxMs: 50,
      },
    });
    store = await createPostgresEventStore({
      connectionString: db.url,
      schema: 'ratchet', // where the service keeps its tables (DATABASE_SCHEMA's default)
      migrate: false,
    });
  }, 120_000);

  afterAll(async () => {
    await fleet?.close();
    for (const l of ledgers) await l.stop();
    await store?.close();
    await broker?.stop();
    await db?.drop();
  }, 60_000);

  it(`${COMMANDS} commands, duplicated answers: each ends with exactly one terminal event and a legal path`, async () => {
    const ids: string[] = [];
    const issue = async (i: number) => {
      const res = await ledgers[i % 2]!.http('POST', '/commands', {
        deviceId: `${prefix}-${(i % DEVICES) + 1}`,
        name: 'set-speed',
        payload: { i },
      });
      expect(res.status).toBe(201);
      ids.push(res.body.commandId as string);
    };
    for (let i = 0; i < COMMANDS; i += 50)
      await Promise.all(Array.from({ length: 50 }, (_, k) => issue(i + k)));

    const streams = await eventually(
      async () => {
        const events = await store.readAll({ streamPrefix: 'command-', limit: 1_000_000 });
        const byCommand = new Map<string, typeof events>();
        for (const e of events) {
          const id = commandIdOfStream(e.stream)!;
          byCommand.set(id, [...(byCommand.get(id) ?? []), e]);
        }
        const done = ids.filter((id) =>
          byCommand
            .get(id)
            ?.some((e) => e.type === 'CommandExecuted' || e.type === 'CommandFailed'),
        );
        if (done.length === ids.length) return byCommand;
        // What is still open, so that a timeout says where the commands stopped.
        const open = ids.filter((id) => !done.includes(id));
        const sample = open
          .slice(0, 5)
          .map((id) => `${id}: ${(byCommand.get(id) ?? []).map((e) => e.type).join(' > ')}`);
        throw new Error(`${open.length} without a result, e.g. ${sample.join('; ')}`);
      },
      'every command to reach a result',
      240_000,
    );
    expect(streams.size).toBe(COMMANDS);
    for (const id of ids) {
      const events = streams.get(id)!;
      expect(checkStream(id, events).violations).toEqual([]);
      const terminal = events.filter((e) =>
        [
          'CommandExecuted',
          'CommandFailed',
          'CommandTimedOut',
          'CommandCancelled',
          'CommandExpired',
        ].includes(e.type),
      );
      expect(terminal).toHaveLength(1);
      expect(events.filter((e) => e.type === 'CommandSent').length).toBeLessThanOrEqual(1);
    }
    // The noise really happened, and was absorbed: duplicates and spoofs were seen and counted.
    const stats = fleet.stats().total;
    expect(stats.duplicateAcksSent + stats.duplicateResultsSent).toBeGreaterThan(100);
    expect(stats.spoofsSent).toBeGreaterThan(10);
    const metrics = await Promise.all(
      ledgers.map(async (l) => (await l.http('GET', '/metrics')).body as string),
    );
    const sum = (name: RegExp) =>
      metrics.reduce((n, m) => n + [...m.matchAll(name)].reduce((a, x) => a + Number(x[1]), 0), 0);
    expect(
      sum(/ratchet_inbound_rejected_total\{reason="device_mismatch"\} (\d+)/g),
    ).toBeGreaterThan(10);
    expect(
      sum(/ratchet_transitions_unchanged_total\{input="[a-z_]+",reason="duplicate"\} (\d+)/g),
    ).toBeGreaterThan(100);
    // Both instances took a share of device input (shared subscription).
    for (const m of metrics)
      expect(m).toMatch(/ratchet_transitions_applied_total\{type="CommandAcknowledged"\} [1-9]/);
  }, 300_000);
});
