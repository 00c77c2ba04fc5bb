import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import type { MqttClient } from 'mqtt';
import {
  type TestLedger,
  connectDevice,
  eventually,
  startTestLedger,
} from './support/ledger-harness.js';

/** The embedded default: PGlite and the in-process Aedes broker, no servers at all. */
describe('ledger on its embedded default (PGlite + Aedes)', () => {
  let ledger: TestLedger;
  let device: MqttClient;
  const intents: { topic: string; body: any }[] = []; // eslint-disable-line @typescript-eslint/no-explicit-any

  beforeAll(async () => {
    ledger = await startTestLedger();
    device = await connectDevice(ledger.mqttUrl);
    await device.subscribeAsync('devices/+/commands/+', { qos: 1 });
    device.on('message', (topic, payload) =>
      intents.push({ topic, body: JSON.parse(payload.toString()) }),
    );
  });
  afterAll(async () => {
    await device?.endAsync(true);
    await ledger?.stop();
  });

  const issue = (body: Record<string, unknown>) => ledger.http('POST', '/commands', body);
  const state = async (id: string) => (await ledger.http('GET', `/commands/${id}`)).body;
  const history = async (id: string) => (await ledger.http('GET', `/commands/${id}/history`)).body;
  const until = (id: string, status: string) =>
    eventually(
      async () => ((await state(id)).status === status ? true : undefined),
      `${id} ${status}`,
    );
  const ack = (dev: string, id: string, payload = '{}') =>
    device.publishAsync(`devices/${dev}/commands/${id}/ack`, payload, { qos: 1 });
  const result = (dev: string, id: string, body: unknown) =>
    device.publishAsync(
      `devices/${dev}/commands/${id}/result`,
      typeof body === 'string' ? body : JSON.stringify(body),
      { qos: 1 },
    );

  it('happy path: issued, sent as an intent, acknowledged, executed, with its history', async () => {
    const res = await issue({ deviceId: 'pump-1', name: 'set-speed', payload: { rpm: 1200 } });
    expect(res.status).toBe(201);
    const id = res.body.commandId as string;
    expect(res.body).toMatchObject({
      deviceId: 'pump-1',
      status: 'requested',
      revision: 0,
      attempt: 1,
      retryOf: null,
    });
    const intent = await eventually(
      async () => intents.find((i) => i.body.commandId === id),
      'the intent',
    );
    expect(intent.topic).toBe(`devices/pump-1/commands/${id}`);
    expect(intent.body).toMatchObject({
      commandId: id,
      name: 'set-speed',
      payload: { rpm: 1200 },
      attempt: 1,
    });
    await until(id, 'sent');
    await ack('pump-1', id);
    await until(id, 'acknowledged');
    await result('pump-1', id, { status: 'executed', output: { rpm: 1199 } });
    const done = await eventually(async () => {
      const s = await state(id);
      return s.status === 'executed' ? s : undefined;
    }, 'executed');
    expect(done).toMatchObject({
      revision: 3,
      result: { rpm: 1199 },
      error: null,
      lateResult: null,
    });
    expect(done.completedAt).not.toBeNull();
    const h = await history(id);
    expect(h.events.map((e: { type: string }) => e.type)).toEqual([
      'CommandRequested',
      'CommandSent',
      'CommandAcknowledged',
      'CommandExecuted',
    ]);
    expect(h.events.map((e: { revision: number }) => e.revision)).toEqual([0, 1, 2, 3]);
  });

  it('duplicates and reordering: result before ack, repeated acks and results, each transition once in rank order', async () => {
    const id = (await issue({ deviceId: 'pump-2', name: 'reboot' })).body.commandId as string;
    await until(id, 'sent');
    await result('pump-2', id, { status: 'failed', error: 'jammed' });
    for (let i = 0; i < 3; i++) await ack('pump-2', id);
    await result('pump-2', id, { status: 'failed', error: 'jammed' });
    await result('pump-2', id, { status: 'executed' });
    await until(id, 'failed');
    await new Promise((r) => setTimeout(r, 200)); // let any straggler land
    const h = await history(id);
    expect(h.events.map((e: { type: string }) => e.type)).toEqual([
      'CommandRequested',
      'CommandSent',
      'CommandFailed',
    ]);
    expect((await state(id)).error).toBe('jammed');
  });

  it('a spoofed ack or result from another device changes nothing and is counted', async () => {
    const id = (await issue({ deviceId: 'lock-1', name: 'unlock' })).body.commandId as string;
    await until(id, 'sent');
    await ack('lock-2', id);
    await result('lock-2', id, { status: 'executed' });
    await new Promise((r) => setTimeout(r, 300));
    expect(await state(id)).toMatchObject({ status: 'sent', revision: 1 });
    const metrics = (await ledger.http('GET', '/metrics')).body as string;
    expect(metrics).toMatch(/ratchet_inbound_rejected_total\{reason="device_mismatch"\} [1-9]/);
  });

  it('malformed inbound messages change nothing and the service keeps serving', async () => {
    const id = (await issue({ deviceId: 'pump-3', name: 'reboot' })).body.commandId as string;
    await until(id, 'sent');
    await result('pump-3', id, '{not json');
    await result('pump-3', id, { status: 'maybe' });
    await result('pump-3', id, [1, 2, 3]);
    await ack('pump-3', id, '"just a string"');
    await result('pump-3', id, Buffer.alloc(200_000, 0x7b).toString());
    await result('pump-3', id, '{"status":"executed","output":"nul \\u0000 inside"}'); // not storable in jsonb
    await device.publishAsync('devices/pump-3/commands/not-a-uuid/ack', '{}', { qos: 1 });
    await device.publishAsync(
      `devices/pump-3/commands/${randomUUID()}/result`,
      '{"status":"executed"}',
      { qos: 1 },
    );
    await device.publishAsync(`devices/pump-3/commands/${id}/ack/extra`, '{}', { qos: 1 });
    await new Promise((r) => setTimeout(r, 300));
    expect(await state(id)).toMatchObject({ status: 'sent', revision: 1 });
    const metrics = (await ledger.http('GET', '/metrics')).body as string;
    for (const reason of [
      'invalid_json',
      'bad_shape',
      'too_large',
      'unknown_command',
      'unsupported_character',
    ]) {
      expect(metrics).toMatch(
        new RegExp(`ratchet_inbound_rejected_total\\{reason="${reason}"\\} [1-9]`),
      );
    }
    // Still serving, still reading device input.
    await ack('pump-3', id);
    await until(id, 'acknowledged');
    expect((await ledger.http('GET', '/health/ready')).status).toBe(200);
  });

  it('issue is idempotent on commandId: 201, then 200 with the same body, 409 with another', async () => {
    const commandId = randomUUID();
    const body = {
      commandId,
      deviceId: 'pump-4',
      name: 'set-speed',
      payload: { rpm: 5, b: [1, 2] },
    };
    expect((await issue(body)).status).toBe(201);
    const again = await issue({ ...body, payload: { b: [1, 2], rpm: 5 } }); // key order is not a difference
    expect(again.status).toBe(200);
    expect(again.body.commandId).toBe(commandId);
    // Compared after defaults are applied (CONTRACT.md section 2): the defaults spelled out are
    // the same body as leaving them out.
    const spelledOut = await issue({
      ...body,
      timeoutMs: 60_000,
      ackTimeoutMs: 10_000,
      expiresInMs: 300_000,
      retry: { maxAttempts: 1, on: [] },
    });
    expect(spelledOut.status).toBe(200);
    expect((await issue({ ...body, timeoutMs: 60_001 })).status).toBe(409);
    const other = await issue({ ...body, payload: { rpm: 6 } });
    expect(other.status).toBe(409);
    expect(other.body).toMatchObject({ statusCode: 409, error: 'Conflict' });
    expect(other.body.message[0]).toMatch(/different body/);
    expect((await history(commandId)).events).toHaveLength(
      (await history(commandId)).events.length,
    );
    expect(
      (await history(commandId)).events.filter(
        (e: { type: string }) => e.type === 'CommandRequested',
      ),
    ).toHaveLength(1);
  });

  it('cancel after send is 409 with the current state', async () => {
    const id = (await issue({ deviceId: 'pump-5', name: 'reboot' })).body.commandId as string;
    await until(id, 'sent');
    const res = await ledger.http('POST', `/commands/${id}/cancel`);
    expect(res.status).toBe(409);
    expect(res.body.command).toMatchObject({ commandId: id, status: 'sent' });
  });

  it('bad requests get 400, unknown ids 404, oversized payloads 413, all in the one error shape', async () => {
    const bad = await issue({
      deviceId: '-bad',
      name: '1x',
      payload: 'no',
      extra: true,
      retry: { maxAttempts: 11, on: ['executed'] },
    });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
    const messages = (bad.body.message as string[]).join('\n');
    for (const word of ['deviceId', 'name', 'payload', 'extra', 'maxAttempts', 'on'])
      expect(messages).toContain(word);
    expect((await ledger.http('POST', '/commands', '{"deviceId": "x",')).status).toBe(400);
    expect((await ledger.http('GET', '/commands/not-a-uuid')).status).toBe(400);
    const unknown = await ledger.http('GET', `/commands/${randomUUID()}`);
    expect(unknown.status).toBe(404);
    expect(unknown.body.message).toEqual([expect.stringMatching(/not found/)]);
    expect((await ledger.http('GET', `/commands/${randomUUID()}/history`)).status).toBe(404);
    expect((await ledger.http('POST', `/commands/${randomUUID()}/cancel`)).status).toBe(404);
    const notUuid = await ledger.http('POST', '/commands/not-a-uuid/cancel');
    expect(notUuid.status).toBe(400);
    expect(notUuid.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
    const nul = await issue({ deviceId: 'pump-6', name: 'upload', payload: { text: 'a\u0000b' } });
    expect(nul.status).toBe(400);
    expect(nul.body.message).toEqual([expect.stringMatching(/U\+0000/)]);
    const big = await issue({
      deviceId: 'pump-6',
      name: 'upload',
      payload: { blob: 'x'.repeat(70 * 1024) },
    });
    expect(big.status).toBe(413);
    const huge = await issue({
      deviceId: 'pump-6',
      name: 'upload',
      payload: { blob: 'x'.repeat(200 * 1024) },
    });
    expect(huge.status).toBe(413);
    expect(huge.body).toMatchObject({ statusCode: 413, message: [expect.any(String)] });
  });

  it('serves its OpenAPI document and UI, generated from the DTOs', async () => {
    const doc = await ledger.http('GET', '/docs-json');
    expect(doc.status).toBe(200);
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining([
        '/commands',
        '/commands/{commandId}',
        '/commands/{commandId}/history',
        '/commands/{commandId}/cancel',
        '/devices/{deviceId}',
      ]),
    );
    expect(doc.body.components.schemas.IssueCommandDto.required).toEqual(
      expect.arrayContaining(['deviceId', 'name']),
    );
    const ui = await ledger.http('GET', '/docs');
    expect(ui.status).toBe(200);
    expect(String(ui.body)).toContain('swagger');
  });

  it('a command issued while the broker is down is cancellable, then never sent', async () => {
    await ledger.embeddedBroker!.close();
    const id = (await issue({ deviceId: 'pump-7', name: 'reboot' })).body.commandId as string;
    expect((await state(id)).status).toBe('requested');
    const res = await ledger.http('POST', `/commands/${id}/cancel`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'cancelled', revision: 1 });
    expect((await ledger.http('POST', `/commands/${id}/cancel`)).status).toBe(200); // idempotent
    expect((await ledger.http('GET', '/health/ready')).status).toBe(503);
  });
});
