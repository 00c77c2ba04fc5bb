/**
 * Issue 11, fault 6: the embedded default keeps the external broker's promise inside its process.
 * A device's QoS 1 result is acknowledged to it only after the ledger committed it, so `kill -9`
 * of the built service (PGlite + Aedes) in the middle of a burst loses no result whose PUBACK the
 * device received. Before, Aedes acknowledged on receipt and the ledger recorded later.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { freePort } from '@ratchet/mqtt/testing';
import { eventually } from './support/ledger-harness.js';
import { type LedgerProcess, spawnLedger } from './support/ledger-process.js';

const COMMANDS = 200;

describe('kill -9 of the embedded default in the middle of a burst of results', () => {
  let dataDir: string | undefined;
  let ledger: LedgerProcess | undefined;
  let device: MqttClient | undefined;
  afterAll(async () => {
    device?.end(true);
    await ledger?.kill('SIGTERM');
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  }, 30_000);

  it('loses no result the device was told was delivered', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'ratchet-embedded-crash-'));
    const mqttPort = await freePort();
    const httpPort = await freePort();
    const env = {
      LEDGER_DATA_DIR: dataDir,
      MQTT_EMBEDDED_PORT: String(mqttPort),
      LEDGER_INSTANCE_ID: 'embedded-crash',
      LEDGER_ACK_TIMEOUT_MS: '600000',
      LEDGER_TIMEOUT_MS: '600000',
    };
    ledger = await spawnLedger(env, httpPort);
    const ids: string[] = [];
    for (let i = 0; i < COMMANDS; i += 1) {
      const res = await ledger.http('POST', '/commands', { deviceId: 'burst-1', name: 'go' });
      expect(res.status).toBe(201);
      ids.push(res.body.commandId as string);
    }
    await eventually(
      async () => {
        const res = await ledger!.http('GET', '/commands?deviceId=burst-1&status=sent&limit=500');
        return res.body.items.length === COMMANDS ? true : undefined;
      },
      'every command sent',
      60_000,
    );

    device = await mqtt.connectAsync(`mqtt://127.0.0.1:${mqttPort}`, {
      clientId: 'burst-1',
      reconnectPeriod: 0,
    });
    const acknowledged: string[] = [];
    const running = ledger;
    let killed: Promise<unknown> | null = null;
    for (const id of ids) {
      device.publish(
        `devices/burst-1/commands/${id}/result`,
        JSON.stringify({ status: 'executed' }),
        { qos: 1 },
        (error) => {
          if (error) return;
          acknowledged.push(id);
          // The kill goes out with the 30th PUBACK, not at the next poll: the ledger handles a
          // burst of 200 results faster than a poll interval.
          if (acknowledged.length === 30) killed = running.kill('SIGKILL');
        },
      );
    }
    await eventually(async () => (killed ? true : undefined), '30 PUBACKs', 30_000);
    await killed;
    const told = [...acknowledged];
    device.end(true);
    expect(told.length).toBeLessThan(COMMANDS); // the kill came in the middle of the burst

    ledger = await spawnLedger(env, httpPort);
    const missing: string[] = [];
    for (const id of told) {
      const res = await ledger.http('GET', `/commands/${id}`);
      if (res.body.status !== 'executed') missing.push(`${id}: ${res.body.status}`);
    }
    expect(missing).toEqual([]);
  }, 180_000);
});
