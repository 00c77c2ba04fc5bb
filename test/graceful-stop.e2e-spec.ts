import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import type { MqttClient } from 'mqtt';
import { type TestDatabase, createTestDatabase } from '@ratchet/event-store/testing';
import { type PrivateMosquitto, startPrivateMosquitto } from '@ratchet/mqtt/testing';
import {
  type TestLedger,
  connectDevice,
  eventually,
  startTestLedger,
} from './support/ledger-harness.js';
import { postgresAndMosquitto } from './support/services.js';

const COMMANDS = 40;
const HOUR = String(3_600_000);

const run = await postgresAndMosquitto();

/**
 * Two instances in one MQTT 5 shared-subscription group. Their inbound sessions outlive their
 * connections (so that a crash loses nothing), which means the broker keeps routing a share of
 * device answers to a stopped instance's session. A graceful stop must leave the group first.
 */
(run ? describe : describe.skip)(
  'a graceful stop of one of two instances (Mosquitto, PostgreSQL)',
  () => {
    let db: TestDatabase;
    let broker: PrivateMosquitto;
    let a: TestLedger | undefined;
    let b: TestLedger;
    let device: MqttClient;
    const prefix = `gs${randomUUID().slice(0, 6)}`;

    beforeAll(async () => {
      db = await createTestDatabase('e2e_graceful');
      broker = await startPrivateMosquitto(['set_tcp_nodelay true']);
      const env = {
        LEDGER_STORE: 'postgres',
        DATABASE_URL: db.url,
        MQTT_URL: broker.url,
        MQTT_SHARED_GROUP: `g${randomUUID().slice(0, 8)}`,
        LEDGER_ACK_TIMEOUT_MS: HOUR,
        LEDGER_TIMEOUT_MS: HOUR,
        LEDGER_EXPIRES_IN_MS: HOUR,
      };
      a = await startTestLedger({ ...env, LEDGER_INSTANCE_ID: `${prefix}-a` });
      b = await startTestLedger({ ...env, LEDGER_INSTANCE_ID: `${prefix}-b` });
      device = await connectDevice(broker.url, 5);
    }, 120_000);

    afterAll(async () => {
      device?.end(true);
      await a?.stop();
      await b?.stop();
      await broker?.stop();
      await db?.drop();
    }, 60_000);

    it('leaves the shared group: every answer published after it stopped is handled by the other', async () => {
      const ids: string[] = [];
      for (let i = 0; i < COMMANDS; i++) {
        const res = await b.http('POST', '/commands', {
          deviceId: `${prefix}-${i}`,
          name: 'reboot',
        });
        expect(res.status).toBe(201);
        ids.push(res.body.commandId as string);
      }
      await eventually(
        async () => {
          const views = await Promise.all(ids.map((id) => b.http('GET', `/commands/${id}`)));
          return views.every((v) => v.body.status === 'sent') ? true : undefined;
        },
        'every command to be sent',
        30_000,
      );

      await a!.stop();
      a = undefined;

      await Promise.all(
        ids.map((id, i) =>
          device.publishAsync(`devices/${prefix}-${i}/commands/${id}/ack`, '{}', { qos: 1 }),
        ),
      );
      const statuses = await eventually(
        async () => {
          const views = await Promise.all(ids.map((id) => b.http('GET', `/commands/${id}`)));
          const open = views.filter((v) => v.body.status !== 'acknowledged');
          if (open.length > 0) throw new Error(`${open.length} of ${COMMANDS} not acknowledged`);
          return views.map((v) => v.body.status as string);
        },
        'every ack to be handled by the instance still running',
        15_000,
      );
      expect(new Set(statuses)).toEqual(new Set(['acknowledged']));
    }, 120_000);
  },
);
