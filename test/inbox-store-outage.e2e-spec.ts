/**
 * Issue 11, fault 5: device answers that arrive while PostgreSQL is down for longer than the
 * inbox's in-process retries (20 s) are recorded once it is back, not stranded in the broker's
 * session until the connection happens to drop (by then their commands would time out).
 * The ledger on PostgreSQL (a cluster of this test's own, stopped and started) and Mosquitto.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import {
  requireMosquitto,
  startPrivateMosquitto,
  type PrivateMosquitto,
} from '@ratchet/mqtt/testing';
import { postgresAvailable } from './chaos/env/postgres-binaries.js';
import { createPrivatePostgres, type PrivatePostgres } from './chaos/env/private-postgres.js';
import { type TestLedger, eventually, startTestLedger } from './support/ledger-harness.js';

const OUTAGE_MS = 30_000;
const COMMANDS = 12;

const available = postgresAvailable();
if (!available) {
  const message = 'this test needs PostgreSQL server binaries (initdb, pg_ctl) to stop a database';
  if (process.env.CI === 'true') throw new Error(`${message}; CI=true, so this is a failure`);
  process.stderr.write(`SKIPPING the inbox outage test: ${message}\n`);
}

(available ? describe : describe.skip)('device answers during a 30 s database outage', () => {
  let dir: string | undefined;
  let pg: PrivatePostgres | undefined;
  let broker: PrivateMosquitto | undefined;
  let ledger: TestLedger | undefined;
  let device: MqttClient | undefined;
  afterAll(async () => {
    await device?.endAsync(true);
    await ledger?.stop().catch(() => undefined);
    await broker?.stop();
    await pg?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 60_000);

  it('are all recorded once it is back, none as a late result', async () => {
    if (!(await requireMosquitto())) return;
    dir = await mkdtemp(join(tmpdir(), 'ratchet-inbox-outage-'));
    await chmod(dir, 0o755); // the cluster runs as the postgres user when the test runs as root
    pg = await createPrivatePostgres(dir);
    await pg.start();
    broker = await startPrivateMosquitto(['set_tcp_nodelay true']);
    ledger = await startTestLedger({
      LEDGER_STORE: 'postgres',
      DATABASE_URL: pg.url,
      MQTT_URL: broker.url,
      MQTT_INBOX_CONNECTIONS: '2',
    });
    device = await mqtt.connectAsync(broker.url, { protocolVersion: 5, clientId: 'outage-pump' });
    const ids: string[] = [];
    for (let i = 0; i < COMMANDS; i += 1) {
      const res = await ledger.http('POST', '/commands', {
        deviceId: 'outage-pump',
        name: 'set-speed',
        payload: { rpm: i },
        ackTimeoutMs: 180_000,
        timeoutMs: 180_000,
      });
      expect(res.status).toBe(201);
      ids.push(res.body.commandId as string);
    }
    for (const id of ids) {
      await eventually(
        async () =>
          (await ledger!.http('GET', `/commands/${id}`)).body.status === 'sent' ? true : undefined,
        `${id} sent`,
      );
    }

    await pg.stopFast();
    const outageEnds = Date.now() + OUTAGE_MS;
    // The device answers during the outage, spread over it; Mosquitto PUBACKs each at once.
    for (const [i, id] of ids.entries()) {
      await device.publishAsync(
        `devices/outage-pump/commands/${id}/result`,
        JSON.stringify({ status: 'executed', output: { i } }),
        { qos: 1 },
      );
      await new Promise((r) => setTimeout(r, 1_000));
    }
    await new Promise((r) => setTimeout(r, Math.max(0, outageEnds - Date.now())));
    await pg.start();

    for (const id of ids) {
      const command = await eventually(
        async () => {
          const res = await ledger!.http('GET', `/commands/${id}`);
          return res.status === 200 && res.body.status !== 'sent' ? res.body : undefined;
        },
        `the result of ${id} recorded after the outage`,
        45_000,
      );
      expect(command).toMatchObject({ status: 'executed', lateResult: null });
    }
    const metrics = (await ledger.http('GET', '/metrics')).body as string;
    const recovered = /^ratchet_inbox_recovered_total (\d+)/m.exec(metrics);
    expect(Number(recovered?.[1] ?? 0)).toBeGreaterThan(0);
  }, 180_000);
});
