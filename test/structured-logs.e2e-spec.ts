/**
 * The built service (`apps/ledger/dist/`, as `npm start` runs it) with LOG_FORMAT=json: every line it
 * prints is one JSON object, and the lines about a command carry the command's ids as fields,
 * whichever path logged them (the HTTP issue, the background dispatch, the device inbox).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { freePort } from '@ratchet/mqtt/testing';
import { connectDevice, eventually } from './support/ledger-harness.js';
import { type LedgerProcess, spawnLedger } from './support/ledger-process.js';

type Line = Record<string, unknown>;

describe('structured JSON logs of the built service', () => {
  let ledger: LedgerProcess;
  let device: MqttClient;
  let dataDir: string;
  let mqttUrl: string;
  const INSTANCE = 'logs-e2e-1';

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'ratchet-logs-'));
    const mqttPort = await freePort();
    mqttUrl = `mqtt://127.0.0.1:${mqttPort}`;
    ledger = await spawnLedger({
      LOG_FORMAT: 'json',
      // The transitions (sent, acknowledged, executed) are logged at debug level.
      LOG_LEVEL: 'debug',
      LEDGER_INSTANCE_ID: INSTANCE,
      LEDGER_DATA_DIR: dataDir,
      MQTT_EMBEDDED_PORT: String(mqttPort),
    });
    device = await connectDevice(mqttUrl);
    await device.subscribeAsync('devices/log-pump-1/commands/+', { qos: 1 });
  }, 60_000);
  afterAll(async () => {
    await device?.endAsync(true);
    await ledger?.kill('SIGTERM');
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  const lines = (): Line[] =>
    ledger
      .output()
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => {
        try {
          return JSON.parse(l) as Line;
        } catch {
          throw new Error(`not a JSON line: ${l}`);
        }
      });
  const statusOf = async (id: string) =>
    (await ledger.http('GET', `/commands/${id}`)).body.status as string;
  const until = (id: string, status: string) =>
    eventually(async () => ((await statusOf(id)) === status ? true : undefined), status);

  it('puts commandId and correlationId on every line about a command, from issue to result', async () => {
    const issued = await ledger.http('POST', '/commands', {
      deviceId: 'log-pump-1',
      name: 'set-speed',
      payload: { rpm: 900 },
    });
    expect(issued.status).toBe(201);
    const id = issued.body.commandId as string;
    await until(id, 'sent');
    await device.publishAsync(`devices/log-pump-1/commands/${id}/ack`, '{}', { qos: 1 });
    await until(id, 'acknowledged');
    await device.publishAsync(
      `devices/log-pump-1/commands/${id}/result`,
      JSON.stringify({ status: 'executed', output: { rpm: 900 } }),
      { qos: 1 },
    );
    await until(id, 'executed');
    // The line of the last transition may follow the append the API already reads.
    const all = await eventually(async () => {
      const ls = lines();
      return ls.some((l) => String(l.msg).includes('CommandExecuted')) ? ls : undefined;
    }, 'the executed line');

    // Every line: one object with the base fields.
    for (const l of all) {
      expect(l).toEqual(
        expect.objectContaining({
          level: expect.any(String),
          time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
          msg: expect.any(String),
          context: expect.any(String),
          instanceId: INSTANCE,
        }),
      );
    }
    // The lines about the command: those whose text names it.
    const about = all.filter((l) => String(l.msg).includes(id));
    const texts = about.map((l) => `${String(l.context)}: ${String(l.msg)}`);
    for (const [pattern, what] of [
      [/IssueCommand: command=\S+ device=log-pump-1 name=set-speed issued/, 'issued'],
      [/Transitions: .*CommandSent → sent@1/, 'sent'],
      [/Transitions: .*CommandAcknowledged → acknowledged@2/, 'acknowledged'],
      [/Transitions: .*CommandExecuted → executed@3/, 'executed'],
    ] as const) {
      expect({ what, found: texts.some((t) => pattern.test(t)), texts }).toMatchObject({
        found: true,
      });
    }
    for (const l of about) {
      // Issued over HTTP without a correlation id of its own: the command id is its correlation.
      expect({ line: l.msg, commandId: l.commandId, correlationId: l.correlationId }).toEqual({
        line: l.msg,
        commandId: id,
        correlationId: id,
      });
    }
    // The lines from the device's side also name the device.
    const inbound = about.filter((l) => /CommandAcknowledged|CommandExecuted/.test(String(l.msg)));
    expect(inbound.map((l) => l.deviceId)).toEqual(['log-pump-1', 'log-pump-1']);
    // Lines about no command carry no command fields.
    const startup = all.find((l) => String(l.msg).startsWith('HTTP API on'));
    expect(startup).toBeDefined();
    expect(Object.keys(startup!)).not.toContain('commandId');
  }, 60_000);
});
