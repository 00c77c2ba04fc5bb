/**
 * Issue 11, fault 7: deadlines that fell due while no ledger instance ran get a grace
 * (LEDGER_RECOVERY_GRACE_MS) after the first instance is back, so that devices answering right
 * after the restart are not timed out moments before their answers arrive. A deadline that
 * passed while another instance ran is enforced as before. The built service, kill -9,
 * PostgreSQL and Mosquitto.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { type TestDatabase, createTestDatabase } from '@ratchet/event-store/testing';
import { type PrivateMosquitto, startPrivateMosquitto } from '@ratchet/mqtt/testing';
import { eventually } from './support/ledger-harness.js';
import { type LedgerProcess, spawnLedger } from './support/ledger-process.js';
import { postgresAndMosquitto } from './support/services.js';

const run = await postgresAndMosquitto();
const GRACE_MS = 4_000;
const ACK_TIMEOUT_MS = 2_000;

(run ? describe : describe.skip)('deadlines that fell due while no instance ran', () => {
  let db: TestDatabase;
  let broker: PrivateMosquitto;
  let device: MqttClient;
  let dataDir: string;
  let group: string;
  const live = new Set<LedgerProcess>();

  beforeAll(async () => {
    db = await createTestDatabase('e2e_grace');
    broker = await startPrivateMosquitto(['set_tcp_nodelay true', 'max_queued_messages 0']);
    dataDir = await mkdtemp(join(tmpdir(), 'ratchet-grace-'));
    device = await mqtt.connectAsync(broker.url, { protocolVersion: 5, clientId: 'late-dev' });
  }, 60_000);
  afterAll(async () => {
    for (const l of live) await l.kill('SIGKILL');
    await device?.endAsync(true);
    await broker?.stop();
    await db?.drop();
    await rm(dataDir, { recursive: true, force: true });
  }, 60_000);

  const start = async (instanceId: string): Promise<LedgerProcess> => {
    const ledger = await spawnLedger({
      LEDGER_STORE: 'postgres',
      DATABASE_URL: db.url,
      MQTT_URL: broker.url,
      MQTT_SHARED_GROUP: group,
      LEDGER_INSTANCE_ID: `${group}-${instanceId}`,
      LEDGER_DATA_DIR: dataDir,
      LEDGER_SWEEP_INTERVAL_MS: '200',
      LEDGER_RECOVERY_GRACE_MS: String(GRACE_MS),
    });
    live.add(ledger);
    return ledger;
  };
  const kill = async (ledger: LedgerProcess) => {
    await ledger.kill('SIGKILL');
    live.delete(ledger);
  };
  const issueSent = async (ledger: LedgerProcess, count: number): Promise<string[]> => {
    const ids: string[] = [];
    for (let i = 0; i < count; i += 1) {
      const res = await ledger.http('POST', '/commands', {
        deviceId: 'late-dev',
        name: 'calibrate',
        ackTimeoutMs: ACK_TIMEOUT_MS,
        timeoutMs: 120_000,
      });
      expect(res.status).toBe(201);
      ids.push(res.body.commandId as string);
    }
    for (const id of ids) await statusBecomes(ledger, id, 'sent');
    return ids;
  };
  const statusBecomes = (ledger: LedgerProcess, id: string, status: string, ms = 15_000) =>
    eventually(
      async () =>
        (await ledger.http('GET', `/commands/${id}`)).body.status === status ? true : undefined,
      `${id} ${status}`,
      ms,
    );
  const ack = (id: string) =>
    device.publishAsync(`devices/late-dev/commands/${id}/ack`, '{}', { qos: 1 });
  const typesOf = async (ledger: LedgerProcess, id: string): Promise<string[]> =>
    (
      (await ledger.http('GET', `/commands/${id}/history`)).body.events as Array<{ type: string }>
    ).map((e) => e.type);

  /** Kill every instance; the ack deadlines pass; restart; the device answers at once. */
  const outage = async (instances: string[]) => {
    group = `g${randomUUID().slice(0, 8)}`;
    const ledgers = [];
    for (const id of instances) ledgers.push(await start(id));
    const ids = await issueSent(ledgers[0]!, 4);
    for (const l of ledgers) await kill(l);
    await new Promise((r) => setTimeout(r, ACK_TIMEOUT_MS + 3_500));
    const back = [];
    for (const id of instances) back.push(await start(id));
    const answered = ids.slice(0, 3);
    for (const id of answered) await ack(id);
    for (const id of answered) {
      await statusBecomes(back[0]!, id, 'acknowledged');
      expect(await typesOf(back[0]!, id)).not.toContain('CommandTimedOut');
    }
    // The grace is bounded: the one the device never answered times out after it.
    await statusBecomes(back[0]!, ids[3]!, 'timed_out', GRACE_MS + 15_000);
    for (const l of back) await kill(l);
  };

  it('after kill -9 of the only instance, answers right after the restart are not timed out', async () => {
    await outage(['a']);
  }, 120_000);

  it('after kill -9 of both of two instances, likewise', async () => {
    await outage(['a', 'b']);
  }, 150_000);

  it('a deadline that passed while another instance ran is enforced as before', async () => {
    group = `g${randomUUID().slice(0, 8)}`;
    const a = await start('a');
    const b = await start('b');
    const ids = await issueSent(a, 2);
    await kill(a);
    for (const id of ids) await statusBecomes(b, id, 'timed_out', ACK_TIMEOUT_MS + 5_000);
    await kill(b);
  }, 120_000);
});
