/**
 * Who, in the ledger (CONTRACT.md section 2): the credential that called the API is recorded as
 * `metadata.issuedBy` of every event its request causes, shown in GET …/history, filterable in
 * GET /commands?issuedBy=; the device's answers name the device; the ledger's own transitions
 * (dispatch, timeout, retry) say `system`; an open API records `anonymous`. Through HTTP and
 * MQTT on the embedded default.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import type { MqttClient } from 'mqtt';
import {
  type TestLedger,
  connectDevice,
  eventually,
  startTestLedger,
} from './support/ledger-harness.js';

const sha = (t: string) => createHash('sha256').update(t).digest('hex');
const OPS = 'ops-console-token-0123456789abcdef';
const DASH = 'dashboard-token-0123456789abcdef';
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('issuedBy through HTTP, MQTT and the history', () => {
  let ledger: TestLedger;
  let device: MqttClient;

  beforeAll(async () => {
    ledger = await startTestLedger({
      LEDGER_API_CREDENTIALS: `ops:read+issue:${sha(OPS)},dashboard:read:${sha(DASH)}`,
      LEDGER_SWEEP_INTERVAL_MS: '100',
    });
    device = await connectDevice(ledger.mqttUrl);
  });
  afterAll(async () => {
    await device?.endAsync(true);
    await ledger?.stop();
  });

  const as = (token: string) => ({
    issue: (body: unknown) => ledger.http('POST', '/commands', body, bearer(token)),
    get: (path: string) => ledger.http('GET', path, undefined, bearer(token)),
  });
  const whoDidWhat = async (id: string) =>
    (await as(DASH).get(`/commands/${id}/history`)).body.events.map(
      (e: { type: string; metadata: { issuedBy?: string } }) => [e.type, e.metadata.issuedBy],
    );
  const until = (id: string, status: string) =>
    eventually(
      async () =>
        (await as(DASH).get(`/commands/${id}`)).body.status === status ? true : undefined,
      `${id} ${status}`,
    );

  it("names the credential, the ledger and the device in the command's history", async () => {
    const res = await as(OPS).issue({ deviceId: 'lock-17', name: 'unlock', payload: {} });
    expect(res.status).toBe(201);
    const id = res.body.commandId as string;
    await until(id, 'sent');
    await device.publishAsync(`devices/lock-17/commands/${id}/ack`, '{}', { qos: 1 });
    await device.publishAsync(
      `devices/lock-17/commands/${id}/result`,
      JSON.stringify({ status: 'executed' }),
      { qos: 1 },
    );
    await until(id, 'executed');
    expect(await whoDidWhat(id)).toEqual([
      ['CommandRequested', 'ops'],
      ['CommandSent', 'system'],
      ['CommandAcknowledged', 'device:lock-17'],
      ['CommandExecuted', 'device:lock-17'],
    ]);
  });

  it('says system for a timeout and for the retry it causes', async () => {
    const res = await as(OPS).issue({
      deviceId: 'lock-18',
      name: 'unlock',
      ackTimeoutMs: 200,
      retry: { maxAttempts: 2, on: ['timed_out'] },
    });
    const id = res.body.commandId as string;
    await until(id, 'timed_out');
    expect(await whoDidWhat(id)).toEqual([
      ['CommandRequested', 'ops'],
      ['CommandSent', 'system'],
      ['CommandTimedOut', 'system'],
    ]);
    const retry = await eventually(async () => {
      const s = (await as(DASH).get(`/commands/${id}`)).body;
      return s.retriedBy ?? undefined;
    }, 'the retry');
    expect((await whoDidWhat(retry))[0]).toEqual(['CommandRequested', 'system']);
  });

  it("gives a fleet command's children its issuer", async () => {
    const res = await ledger.http(
      'POST',
      '/fleet-commands',
      { target: { deviceIds: ['gate-1', 'gate-2'] }, name: 'close' },
      bearer(OPS),
    );
    expect(res.status).toBe(201);
    const fleetId = res.body.fleetCommandId as string;
    for (const deviceId of ['gate-1', 'gate-2']) {
      const [child] = await eventually(async () => {
        const page = (await as(DASH).get(`/commands?deviceId=${deviceId}&issuedBy=ops`)).body;
        return page.items?.length === 1 ? page.items : undefined;
      }, `the child of ${deviceId}, listed under its fleet's issuer`);
      expect(child.fleetCommandId).toBe(fleetId);
      expect((await whoDidWhat(child.commandId))[0]).toEqual(['CommandRequested', 'ops']);
    }
  });

  it('lists by issuer: GET /commands?issuedBy=', async () => {
    const id = (await as(OPS).issue({ deviceId: 'lock-19', name: 'lock' })).body.commandId;
    const listed = await eventually(async () => {
      const page = (await as(DASH).get('/commands?issuedBy=ops&deviceId=lock-19')).body;
      return page.items?.length === 1 ? page : undefined;
    }, 'the list by issuer');
    expect(listed.items.map((c: { commandId: string }) => c.commandId)).toEqual([id]);
    const none = await as(DASH).get('/commands?issuedBy=dashboard');
    expect(none.body.items).toEqual([]);
    const systemOnes = await eventually(async () => {
      const page = (await as(DASH).get('/commands?issuedBy=system')).body;
      return page.items?.length >= 1 ? page : undefined;
    }, 'the retries, issued by the system');
    expect(systemOnes.items.every((c: { attempt: number }) => c.attempt > 1)).toBe(true);
    const bad = await as(DASH).get(`/commands?issuedBy=${'x'.repeat(201)}`);
    expect(bad.status).toBe(400);
  });
});

describe('issuedBy with the API open', () => {
  it('records anonymous', async () => {
    const ledger = await startTestLedger();
    try {
      const res = await ledger.http('POST', '/commands', { deviceId: 'lock-20', name: 'lock' });
      const history = await ledger.http('GET', `/commands/${res.body.commandId}/history`);
      expect(history.body.events[0].metadata.issuedBy).toBe('anonymous');
    } finally {
      await ledger.stop();
    }
  });
});
