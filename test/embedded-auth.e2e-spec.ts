/**
 * The service with MQTT_DEVICE_PASSWORD_FILE (CONTRACT.md section 4): its embedded broker
 * refuses unknown clients, lets the ledger's own client in with an internal account, and a
 * device with its account (from a file the real mosquitto_passwd wrote) carries a command
 * through the SDK. The configuration refuses what cannot work.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { MemoryDeviceStore, RatchetDevice } from '@ratchet/device';
import { ConfigError, loadConfig } from '@ratchet/ledger-app';
import { requireMosquittoBinary } from './deploy/deployed-mosquitto.js';
import { eventually, startTestLedger, type TestLedger } from './support/ledger-harness.js';

const run = requireMosquittoBinary('mosquitto_passwd');

(run ? describe : describe.skip)('the service’s embedded broker with device accounts', () => {
  let dir: string;
  let file: string;
  let ledger: TestLedger;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ratchet-device-accounts-'));
    file = join(dir, 'passwd');
    execFileSync('mosquitto_passwd', ['-c', '-b', file, 'pump-1', 'pump-1-secret']);
    execFileSync('mosquitto_passwd', ['-b', file, 'pump-2', 'pump-2-secret']);
    ledger = await startTestLedger({ MQTT_DEVICE_PASSWORD_FILE: file });
  });
  afterAll(async () => {
    await ledger?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const problems = (env: Record<string, string>): string => {
    try {
      loadConfig(env);
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      return (e as Error).message;
    }
    throw new Error('loadConfig accepted it');
  };

  it('carries a command to a device that logs in with its account; the ledger gets in with its own', async () => {
    // Devices must reach it: with accounts it listens on every interface.
    expect(ledger.embeddedBroker?.host).toBe('0.0.0.0');
    const device = new RatchetDevice({
      url: ledger.mqttUrl,
      deviceId: 'pump-1',
      username: 'pump-1',
      password: 'pump-1-secret',
      store: new MemoryDeviceStore(),
      protocol: 4,
    });
    device.handle('open', () => ({ opened: true }));
    await device.start();
    try {
      const issued = await ledger.http('POST', '/commands', {
        deviceId: 'pump-1',
        name: 'open',
        payload: {},
      });
      expect(issued.status).toBe(201);
      const done = await eventually(async () => {
        const r = await ledger.http('GET', `/commands/${issued.body.commandId}`);
        return r.body.status === 'executed' ? r.body : undefined;
      }, 'the command to be executed');
      expect(done.result).toEqual({ opened: true });
    } finally {
      await device.stop();
    }
  });

  it('never records an answer a device sends for another device (refused before the ledger takes it)', async () => {
    const issued = await ledger.http('POST', '/commands', {
      deviceId: 'pump-2',
      name: 'open',
      payload: {},
    });
    const id = issued.body.commandId as string;
    await eventually(async () => {
      const r = await ledger.http('GET', `/commands/${id}`);
      return r.body.status === 'sent' ? true : undefined;
    }, 'the command to be sent');
    for (const kind of ['ack', 'result']) {
      const spoofer = await mqtt.connectAsync(ledger.mqttUrl, {
        protocolVersion: 4,
        reconnectPeriod: 0,
        username: 'pump-1',
        password: 'pump-1-secret',
      });
      const closed = new Promise<void>((r) => spoofer.once('close', () => r()));
      spoofer.publish(`devices/pump-2/commands/${id}/${kind}`, '{"status":"executed"}', { qos: 1 });
      await closed;
      spoofer.end(true);
    }
    const r = await ledger.http('GET', `/commands/${id}`);
    expect(r.body).toMatchObject({ status: 'sent', revision: 1 });
  });

  it('refuses a client without an account, or with a wrong password', async () => {
    for (const account of [{}, { username: 'pump-1', password: 'guess' }]) {
      const error = await mqtt
        .connectAsync(ledger.mqttUrl, { protocolVersion: 4, reconnectPeriod: 0, ...account })
        .then(
          async (c) => {
            await c.endAsync(true);
            return 'accepted';
          },
          (e: { code?: number }) => e.code,
        );
      expect(error === 4 || error === 5).toBe(true);
    }
  });

  it('refuses in the configuration what cannot work', () => {
    expect(problems({ MQTT_DEVICE_PASSWORD_FILE: join(dir, 'none') })).toContain(
      `MQTT_DEVICE_PASSWORD_FILE=${join(dir, 'none')}: no such file`,
    );
    expect(problems({ MQTT_DEVICE_PASSWORD_FILE: file, MQTT_URL: 'mqtt://broker:1883' })).toContain(
      'MQTT_DEVICE_PASSWORD_FILE is for the embedded broker',
    );
    const odd = join(dir, 'odd');
    execFileSync('mosquitto_passwd', ['-c', '-b', odd, 'not a device', 'x']);
    writeFileSync(join(dir, 'clear'), 'pump-1:in-clear\n');
    expect(problems({ MQTT_DEVICE_PASSWORD_FILE: odd })).toContain(
      '"not a device" is neither a device id',
    );
    expect(problems({ MQTT_DEVICE_PASSWORD_FILE: join(dir, 'clear') })).toContain(
      'was the password written in clear?',
    );
  });
});
