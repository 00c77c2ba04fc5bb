import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type EventStore, createPostgresEventStore } from '@ratchet/event-store';
import { type TestDatabase, createTestDatabase } from '@ratchet/event-store/testing';
import { type PrivateMosquitto, startPrivateMosquitto } from '@ratchet/mqtt/testing';
import { type Fleet, startFleet } from '@ratchet/device-sim';
import { eventually } from './support/ledger-harness.js';
import { type LedgerProcess, spawnLedger } from './support/ledger-process.js';
import { allCommandStreams, typesOf, violationsOf } from './support/ledger-streams.js';
import { postgresAndMosquitto } from './support/services.js';

const run = await postgresAndMosquitto();
const BROKER_CONFIG = ['set_tcp_nodelay true', 'max_queued_messages 0'];

/**
 * kill -9 with commands in flight and deadlines falling due while nothing runs; then a restart:
 * deadlines live in the ledger, not in timers, so nothing stays stuck.
 */
(run ? describe : describe.skip)(
  'kill -9 and restart (a real process, Mosquitto, PostgreSQL)',
  () => {
    let db: TestDatabase;
    let broker: PrivateMosquitto;
    let store: EventStore;
    let dataDir: string;
    let ledger: LedgerProcess | null = null;
    const fleets: Fleet[] = [];
    let env: Record<string, string>;

    beforeAll(async () => {
      db = await createTestDatabase('e2e_crash');
      broker = await startPrivateMosquitto(BROKER_CONFIG);
      dataDir = await mkdtemp(join(tmpdir(), 'ratchet-crash-'));
      env = {
        LEDGER_STORE: 'postgres',
        DATABASE_URL: db.url,
        MQTT_URL: broker.url,
        MQTT_SHARED_GROUP: `g${randomUUID().slice(0, 8)}`,
        LEDGER_DATA_DIR: dataDir,
        LEDGER_ACK_TIMEOUT_MS: '1000',
        LEDGER_TIMEOUT_MS: '2000',
        LEDGER_SWEEP_INTERVAL_MS: '200',
        LEDGER_REDISPATCH_AFTER_MS: '500',
      };
      store = await createPostgresEventStore({
        connectionString: db.url,
        schema: 'ratchet', // where the service keeps its tables (DATABASE_SCHEMA's default)
        migrate: false,
      });
    }, 60_000);

    afterAll(async () => {
      for (const f of fleets) await f.close();
      await ledger?.kill('SIGTERM');
      await store?.close();
      await broker?.stop();
      await db?.drop();
      await rm(dataDir, { recursive: true, force: true });
    }, 60_000);

    it('overdue commands are timed out, undispatched ones dispatched or expired, none lost or moved back', async () => {
      ledger = await spawnLedger(env);
      fleets.push(
        await startFleet({
          url: broker.url,
          devices: 10,
          prefix: 'mute',
          behaviour: { silentRate: 1 },
          seed: 1,
        }),
      );
      fleets.push(await startFleet({ url: broker.url, devices: 10, prefix: 'ok', seed: 2 }));
      const issue = async (deviceId: string, extra: object = {}) => {
        const res = await ledger!.http('POST', '/commands', { deviceId, name: 'reboot', ...extra });
        expect(res.status).toBe(201);
        return res.body.commandId as string;
      };

      // In flight: sent to devices that never answer; their deadlines fall due while we are dead.
      const inFlight = await Promise.all(
        Array.from({ length: 20 }, (_, i) => issue(`mute-${(i % 10) + 1}`)),
      );
      await eventually(async () => {
        const s = await allCommandStreams(store);
        return inFlight.every((id) => typesOf(s.get(id)).includes('CommandSent'))
          ? true
          : undefined;
      }, 'in-flight commands sent');

      // Accepted with 201 but never dispatched: the broker is down, then the process dies.
      const port = broker.port;
      await broker.stop();
      const shortLived = await Promise.all(
        Array.from({ length: 10 }, (_, i) => issue(`ok-${(i % 10) + 1}`, { expiresInMs: 1500 })),
      );
      const longLived = await Promise.all(
        // Their result deadline counts from `requested`: long enough to outlive the outage.
        Array.from({ length: 10 }, (_, i) => issue(`ok-${(i % 10) + 1}`, { timeoutMs: 60_000 })),
      );
      expect(await ledger.kill('SIGKILL')).toBe(null);
      ledger = null;

      await new Promise((r) => setTimeout(r, 2_500)); // every deadline above passes while nothing runs
      broker = await startPrivateMosquitto(BROKER_CONFIG, port);
      ledger = await spawnLedger(env);

      const streams = await eventually(
        async () => {
          const s = await allCommandStreams(store);
          const settled =
            inFlight.every((id) => typesOf(s.get(id)).includes('CommandTimedOut')) &&
            shortLived.every((id) => typesOf(s.get(id)).includes('CommandExpired')) &&
            longLived.every((id) => typesOf(s.get(id)).includes('CommandExecuted'));
          return settled ? s : undefined;
        },
        'recovery after the restart',
        30_000,
      );

      expect(violationsOf(streams)).toEqual([]);
      expect(streams.size).toBe(40); // every command answered 201 exists: none lost
      for (const id of shortLived)
        expect(typesOf(streams.get(id))).toEqual(['CommandRequested', 'CommandExpired']);
      for (const id of longLived) {
        // Re-dispatched after the restart. The device's ack may commit before the dispatcher's
        // CommandSent (rule 2: evidence may skip a stage), so `sent` may be absent, never repeated.
        const types = typesOf(streams.get(id));
        expect(types.filter((t) => t !== 'CommandSent')).toEqual([
          'CommandRequested',
          'CommandAcknowledged',
          'CommandExecuted',
        ]);
        expect(types.filter((t) => t === 'CommandSent').length).toBeLessThanOrEqual(1);
      }
      for (const id of inFlight)
        expect(typesOf(streams.get(id))).toEqual([
          'CommandRequested',
          'CommandSent',
          'CommandTimedOut',
        ]);
    }, 90_000);
  },
);
