import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import type { MqttClient } from 'mqtt';
import { type EventStore, createPostgresEventStore } from '@ratchet/event-store';
import { type TestDatabase, createTestDatabase } from '@ratchet/event-store/testing';
import { attemptId } from '@ratchet/lifecycle';
import { type PrivateMosquitto, startPrivateMosquitto } from '@ratchet/mqtt/testing';
import {
  type TestLedger,
  connectDevice,
  eventually,
  startTestLedger,
} from './support/ledger-harness.js';
import { allCommandStreams, typesOf, violationsOf } from './support/ledger-streams.js';
import { postgresAndMosquitto } from './support/services.js';

const run = await postgresAndMosquitto();

/** Deadlines, late results and retries against real Mosquitto and PostgreSQL, two instances. */
(run ? describe : describe.skip)(
  'time and retries (Mosquitto + PostgreSQL, two instances sweeping)',
  () => {
    let db: TestDatabase;
    let broker: PrivateMosquitto;
    let ledgers: TestLedger[] = [];
    let store: EventStore;
    let device: MqttClient;
    /** What the test device does with an intent: by command id, or by attempt. */
    let answer: (intent: { commandId: string; attempt: number }, topic: string) => void = () =>
      undefined;

    beforeAll(async () => {
      db = await createTestDatabase('e2e_time');
      broker = await startPrivateMosquitto(['set_tcp_nodelay true', 'max_queued_messages 0']);
      const env = {
        LEDGER_STORE: 'postgres',
        DATABASE_URL: db.url,
        MQTT_URL: broker.url,
        MQTT_SHARED_GROUP: `g${randomUUID().slice(0, 8)}`,
        LEDGER_SWEEP_INTERVAL_MS: '100',
      };
      ledgers = [await startTestLedger(env), await startTestLedger(env)];
      store = await createPostgresEventStore({
        connectionString: db.url,
        schema: 'ratchet', // where the service keeps its tables (DATABASE_SCHEMA's default)
        migrate: false,
      });
      device = await connectDevice(broker.url, 5);
      await device.subscribeAsync('devices/+/commands/+', { qos: 1 });
      device.on('message', (topic, payload) => answer(JSON.parse(payload.toString()), topic));
    }, 60_000);

    afterAll(async () => {
      await device?.endAsync(true);
      for (const l of ledgers) await l.stop();
      await store?.close();
      await broker?.stop();
      await db?.drop();
    }, 60_000);

    const get = async (id: string) => (await ledgers[0]!.http('GET', `/commands/${id}`)).body;

    it('a silent device times out; the retry is attempt 2 under the derived id, which an honest device completes', async () => {
      answer = (intent, topic) => {
        if (intent.attempt === 1) return; // silent the first time
        void device.publishAsync(`${topic}/ack`, '{}', { qos: 1 });
        void device.publishAsync(
          `${topic}/result`,
          '{"status":"executed","output":"second time lucky"}',
          { qos: 1 },
        );
      };
      const res = await ledgers[0]!.http('POST', '/commands', {
        deviceId: 'lock-1',
        name: 'unlock',
        ackTimeoutMs: 300,
        timeoutMs: 2_000,
        retry: { maxAttempts: 3, on: ['timed_out'] },
      });
      const first = res.body.commandId as string;
      const second = attemptId(first, 2);
      const done = await eventually(
        async () => {
          const s = await get(second);
          return s.status === 'executed' ? s : undefined;
        },
        'attempt 2 executed',
        20_000,
      );
      expect(done).toMatchObject({ attempt: 2, retryOf: first, result: 'second time lucky' });
      expect(await get(first)).toMatchObject({
        status: 'timed_out',
        retriedBy: second,
        attempt: 1,
      });
      const streams = await allCommandStreams(store);
      expect(typesOf(streams.get(first))).toEqual([
        'CommandRequested',
        'CommandSent',
        'CommandTimedOut',
      ]);
      expect(streams.has(attemptId(first, 3))).toBe(false);
    }, 30_000);

    it('results racing their timeout, many times: one terminal event each, and a late observation when the result lost', async () => {
      const ids: string[] = [];
      answer = ({ commandId }, topic) => {
        const delay = 150 + Math.floor(Math.random() * 300); // around the 300 ms deadline
        setTimeout(
          () =>
            void device.publishAsync(
              `${topic}/result`,
              JSON.stringify({ status: 'executed', output: commandId }),
              { qos: 1 },
            ),
          delay,
        );
      };
      for (let i = 0; i < 40; i++) {
        const res = await ledgers[i % 2]!.http('POST', '/commands', {
          deviceId: `race-${i}`,
          name: 'ping',
          ackTimeoutMs: 60_000,
          timeoutMs: 300,
        });
        ids.push(res.body.commandId as string);
      }
      const streams = await eventually(
        async () => {
          const s = await allCommandStreams(store);
          // Settled: closed, and a timed-out one has its late result (every device answers).
          const settled = ids.every((id) => {
            const t = typesOf(s.get(id));
            return t.includes('CommandExecuted') || t.includes('CommandLateResultObserved');
          });
          return settled ? s : undefined;
        },
        'every race settled',
        20_000,
      );
      expect(violationsOf(streams)).toEqual([]);
      let won = 0;
      let lost = 0;
      for (const id of ids) {
        const t = typesOf(streams.get(id));
        if (t.includes('CommandTimedOut')) {
          lost++;
          expect(t.slice(-2)).toEqual(['CommandTimedOut', 'CommandLateResultObserved']);
          expect((await get(id)).lateResult).toMatchObject({ status: 'executed', output: id });
        } else {
          won++;
          expect(t.at(-1)).toBe('CommandExecuted');
        }
      }
      expect(won + lost).toBe(40);
    }, 40_000);

    it('two instances sweeping the same silent commands never write a second terminal event or a second retry', async () => {
      answer = () => undefined; // never answers
      const roots: string[] = [];
      for (let i = 0; i < 20; i++) {
        const res = await ledgers[i % 2]!.http('POST', '/commands', {
          deviceId: `mute-${i}`,
          name: 'reboot',
          ackTimeoutMs: 200,
          timeoutMs: 10_000,
          retry: { maxAttempts: 3, on: ['timed_out'] },
        });
        roots.push(res.body.commandId as string);
      }
      const streams = await eventually(
        async () => {
          const s = await allCommandStreams(store);
          const done = roots.every((r) =>
            typesOf(s.get(attemptId(r, 3))).includes('CommandTimedOut'),
          );
          return done ? s : undefined;
        },
        'three timed-out attempts each',
        30_000,
      );
      expect(violationsOf(streams)).toEqual([]);
      for (const root of roots) {
        for (const n of [1, 2, 3]) {
          const t = typesOf(streams.get(attemptId(root, n)));
          expect(t).toEqual(['CommandRequested', 'CommandSent', 'CommandTimedOut']);
        }
        expect(streams.has(attemptId(root, 4))).toBe(false);
      }
    }, 40_000);
  },
);
