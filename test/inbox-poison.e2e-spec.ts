import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import type { MqttClient } from 'mqtt';
import pg from 'pg';
import { type TestDatabase, createTestDatabase } from '@ratchet/event-store/testing';
import { type PrivateMosquitto, startPrivateMosquitto } from '@ratchet/mqtt/testing';
import {
  type TestLedger,
  connectDevice,
  eventually,
  startTestLedger,
} from './support/ledger-harness.js';
import { postgresAndMosquitto } from './support/services.js';

const run = await postgresAndMosquitto();
const MARKER = `poison-${randomUUID().slice(0, 8)}`;

/**
 * A device message that passes every check at the edge but that the database refuses for its
 * content (here a trigger raising SQLSTATE 22023, "invalid parameter value", standing in for
 * whatever jsonb may refuse next). Retrying cannot help: it must be acknowledged, counted as
 * `unprocessable` and logged, not retried for 20 s and then left without PUBACK in the session.
 */
(run ? describe : describe.skip)('a device message the store refuses for its content', () => {
  let db: TestDatabase;
  let broker: PrivateMosquitto;
  let ledger: TestLedger;
  let device: MqttClient;
  const deviceId = `poison-${randomUUID().slice(0, 6)}`;

  beforeAll(async () => {
    db = await createTestDatabase('e2e_poison');
    broker = await startPrivateMosquitto(['set_tcp_nodelay true']);
    ledger = await startTestLedger({
      LEDGER_STORE: 'postgres',
      DATABASE_URL: db.url,
      MQTT_URL: broker.url,
      MQTT_SHARED_GROUP: `g${randomUUID().slice(0, 8)}`,
    });
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    await client.query(`
      CREATE FUNCTION refuse_marked() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.data::text LIKE '%${MARKER}%' THEN
          RAISE EXCEPTION 'refused by the test' USING ERRCODE = '22023';
        END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER refuse_marked BEFORE INSERT ON ratchet.events
        FOR EACH ROW EXECUTE FUNCTION refuse_marked();`);
    await client.end();
    device = await connectDevice(broker.url, 5);
  }, 120_000);

  afterAll(async () => {
    device?.end(true);
    await ledger?.stop();
    await broker?.stop();
    await db?.drop();
  }, 60_000);

  const unprocessable = async (): Promise<number> => {
    const text = (await ledger.http('GET', '/metrics')).body as string;
    return Number(
      /ratchet_inbound_rejected_total\{reason="unprocessable"\} (\d+)/.exec(text)?.[1] ?? 0,
    );
  };

  const issueSent = async (): Promise<string> => {
    const res = await ledger.http('POST', '/commands', { deviceId, name: 'reboot' });
    expect(res.status).toBe(201);
    const id = res.body.commandId as string;
    await eventually(
      async () =>
        (await ledger.http('GET', `/commands/${id}`)).body.status === 'sent' ? true : undefined,
      'the command to be sent',
    );
    return id;
  };

  it('is acknowledged at once, counted as unprocessable, and changes nothing', async () => {
    const id = await issueSent();
    const before = await unprocessable();
    await device.publishAsync(
      `devices/${deviceId}/commands/${id}/result`,
      JSON.stringify({ status: 'executed', output: MARKER }),
      { qos: 1 },
    );
    // Well within the 20 s an unavailable store is retried for.
    await eventually(
      async () => ((await unprocessable()) > before ? true : undefined),
      'the message to be counted as unprocessable',
      5_000,
    );
    const view = await ledger.http('GET', `/commands/${id}`);
    expect(view.body).toMatchObject({ status: 'sent', result: null });
  });

  it('and the next answer for the same command is recorded', async () => {
    const id = await issueSent();
    await device.publishAsync(
      `devices/${deviceId}/commands/${id}/result`,
      JSON.stringify({ status: 'executed', output: MARKER }),
      { qos: 1 },
    );
    await device.publishAsync(
      `devices/${deviceId}/commands/${id}/result`,
      JSON.stringify({ status: 'executed', output: 'fine' }),
      { qos: 1 },
    );
    const view = await eventually(
      async () => {
        const v = await ledger.http('GET', `/commands/${id}`);
        return v.body.status === 'executed' ? v.body : undefined;
      },
      'the valid result to be recorded',
      5_000,
    );
    expect(view).toMatchObject({ status: 'executed', result: 'fine' });
  });
});
