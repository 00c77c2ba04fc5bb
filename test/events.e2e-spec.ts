/**
 * `GET /events` of the real service (CONTRACT.md section 2, "Live events"): the transitions of
 * commands answered by a simulated device, filters, the token from the header or the cookie,
 * and a resume with Last-Event-ID across a restart of the ledger (PGlite in a data directory).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Fleet, startFleet } from '@ratchet/device-sim';
import { type TestLedger, eventually, startTestLedger } from './support/ledger-harness.js';
import { type SseStream, openSse } from './support/sse-client.js';

const TOKEN = 'events-token-0123456789abcdef';
const auth = { authorization: `Bearer ${TOKEN}` };

describe('GET /events', () => {
  let dataDir: string;
  let ledger: TestLedger;
  let fleet: Fleet;
  const streams: SseStream[] = [];
  const open = async (path: string, headers: Record<string, string> = auth) => {
    const s = await openSse(`${ledger.httpUrl}${path}`, headers);
    streams.push(s);
    return s;
  };
  const issue = async (deviceId: string) => {
    const res = await ledger.http(
      'POST',
      '/commands',
      { deviceId, name: 'set-speed', payload: {} },
      auth,
    );
    expect(res.status).toBe(201);
    return res.body.commandId as string;
  };
  const startAll = async () => {
    ledger = await startTestLedger({ LEDGER_DATA_DIR: dataDir, LEDGER_API_TOKENS: TOKEN });
    fleet = await startFleet({ url: ledger.mqttUrl, devices: 2, prefix: 'sse-pump', seed: 1 });
  };
  const stopAll = async () => {
    for (const s of streams.splice(0)) s.close();
    await fleet?.close();
    await ledger?.stop();
  };

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'ratchet-events-'));
    await startAll();
  });
  afterAll(async () => {
    await stopAll();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('streams each transition of a command, in order, with its status after it', async () => {
    const all = await open('/events');
    expect(all.status).toBe(200);
    expect(all.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(all.headers.get('cache-control')).toBe('no-store');
    const commandId = await issue('sse-pump-1');
    const mine = () => all.transitions().filter((m) => m.data.commandId === commandId);
    await eventually(async () => (mine().length === 4 ? true : undefined), 'four transitions');
    expect(mine().map((m) => [m.data.type, m.data.status, m.data.revision])).toEqual([
      ['CommandRequested', 'requested', 0],
      ['CommandSent', 'sent', 1],
      ['CommandAcknowledged', 'acknowledged', 2],
      ['CommandExecuted', 'executed', 3],
    ]);
    expect(mine()[0]!.data).toEqual({
      commandId,
      deviceId: 'sse-pump-1',
      fleetCommandId: null,
      type: 'CommandRequested',
      status: 'requested',
      revision: 0,
      at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    const ids = mine().map((m) => m.id!);
    expect([...ids].sort()).toEqual(ids);
  });

  it('narrows the stream by device and by command', async () => {
    const byDevice = await open('/events?deviceId=sse-pump-2');
    const first = await issue('sse-pump-1');
    const second = await issue('sse-pump-2');
    const byCommand = await open(`/events?commandId=${second.toUpperCase()}`);
    await eventually(async () => (byDevice.transitions().length >= 4 ? true : undefined), 'pump-2');
    expect(new Set(byDevice.transitions().map((m) => m.data.commandId))).toEqual(new Set([second]));
    await eventually(
      async () =>
        byCommand.transitions().some((m) => m.data.status === 'executed') ? true : undefined,
      'the second command to finish',
    );
    expect(byCommand.transitions().every((m) => m.data.commandId === second)).toBe(true);
    expect(first).not.toBe(second);
  });

  it('answers 400 for a bad filter or Last-Event-ID, 401 without a token', async () => {
    for (const query of [
      'deviceId=-x',
      'commandId=nope',
      'fleetCommandId=12',
      'colour=red',
      'deviceId=a&deviceId=b',
    ]) {
      const res = await ledger.http('GET', `/events?${query}`, undefined, auth);
      expect([query, res.status, res.body.error]).toEqual([query, 400, 'Bad Request']);
    }
    const bad = await ledger.http('GET', '/events', undefined, { ...auth, 'last-event-id': 'x' });
    expect([bad.status, bad.body.message]).toEqual([
      400,
      ['Last-Event-ID must be the id of an event of this stream, got "x"'],
    ]);
    expect((await ledger.http('GET', '/events')).status).toBe(401);
  });

  it('takes the token from the ratchet_token cookie (EventSource), on /events only', async () => {
    const cookie = { cookie: `other=1; ratchet_token=${encodeURIComponent(TOKEN)}` };
    const viaCookie = await open('/events', cookie);
    expect(viaCookie.status).toBe(200);
    const wrong = await ledger.http('GET', '/events', undefined, {
      cookie: 'ratchet_token=wrong-token-0123456789',
    });
    expect(wrong.status).toBe(401);
    expect((await ledger.http('GET', '/commands', undefined, cookie)).status).toBe(401);
    expect(
      (await ledger.http('POST', '/commands', { deviceId: 'x', name: 'y', payload: {} }, cookie))
        .status,
    ).toBe(401);
  });

  it('counts open streams and events sent on /metrics', async () => {
    const metrics = (await ledger.http('GET', '/metrics', undefined, auth)).body as string;
    expect(Number(/ratchet_live_streams_open (\d+)/.exec(metrics)?.[1])).toBeGreaterThanOrEqual(3);
    expect(Number(/ratchet_live_events_sent_total (\d+)/.exec(metrics)?.[1])).toBeGreaterThan(0);
    expect(metrics).toContain('ratchet_live_clients_dropped_total{reason="slow"} 0');
  });

  it('resumes after a restart of the ledger from Last-Event-ID: nothing skipped, nothing twice', async () => {
    const watcher = await open('/events');
    const before = await issue('sse-pump-1');
    await eventually(
      async () =>
        watcher.transitions().filter((m) => m.data.commandId === before).length === 4
          ? true
          : undefined,
      'the command before the restart',
    );
    const resumeFrom = watcher.lastEventId()!;
    await stopAll(); // its streams end with it
    await startAll();
    const after = await issue('sse-pump-2');
    const resumed = await open('/events', { ...auth, 'last-event-id': resumeFrom });
    await eventually(
      async () =>
        resumed.transitions().filter((m) => m.data.commandId === after).length === 4
          ? true
          : undefined,
      'the command after the restart',
    );
    const log = (await ledger.http('GET', `/commands/${after}/history`, undefined, auth)).body;
    expect(resumed.transitions().map((m) => [m.data.commandId, m.data.revision])).toEqual(
      log.events.map((e: { revision: number }) => [after, e.revision]),
    );
  });
});
