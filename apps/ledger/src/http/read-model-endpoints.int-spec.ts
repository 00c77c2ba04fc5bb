import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningLedger, startLedger } from '../bootstrap.js';
import { loadConfig } from '../config/ledger-config.js';

/** The list and device endpoints of the real service (PGlite in a data directory, Aedes). */
describe('GET /commands, /devices/{id}/commands, /devices/{id}', () => {
  let ledger: RunningLedger;
  let dataDir: string;
  const get = async (path: string) => {
    const res = await fetch(`${ledger.httpUrl}${path}`);
    return { status: res.status, body: (await res.json()) as any }; // eslint-disable-line @typescript-eslint/no-explicit-any
  };
  const until = async <T>(check: () => Promise<T>): Promise<T> => {
    for (let tries = 0; ; tries += 1) {
      try {
        return await check();
      } catch (error) {
        if (tries > 200) throw error;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    }
  };

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'ratchet-http-rm-'));
    const env = { HTTP_PORT: '0', MQTT_EMBEDDED_PORT: '0', LEDGER_DATA_DIR: dataDir };
    ledger = await startLedger(loadConfig(env), false);
    for (let i = 0; i < 3; i += 1) {
      const res = await fetch(`${ledger.httpUrl}/commands`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ deviceId: 'http-pump', name: 'set-speed', payload: { i } }),
      });
      expect(res.status).toBe(201);
    }
  });

  afterAll(async () => {
    await ledger?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('lists newest first in cursor pages, overall and per device', async () => {
    const first = await until(async () => {
      // All three in the read model first (it trails the log): a page of two taken while the
      // third is still on its way would hold the two oldest.
      const all = await get('/commands?deviceId=http-pump&limit=5');
      expect(all.body.items).toHaveLength(3);
      const res = await get('/commands?deviceId=http-pump&limit=2');
      expect(res.body.items).toHaveLength(2);
      return res;
    });
    expect(first.status).toBe(200);
    expect(first.body.items.map((c: { payload: unknown }) => c.payload)).toEqual([
      { i: 2 },
      { i: 1 },
    ]);
    expect(Object.keys(first.body.items[0]).sort()).toEqual(
      [
        'commandId',
        'deviceId',
        'name',
        'payload',
        'status',
        'revision',
        'attempt',
        'retryOf',
        'retriedBy',
        'fleetCommandId',
        'delivery',
        'queue',
        'waiting',
        'supersededBy',
        'requestedAt',
        'sentAt',
        'acknowledgedAt',
        'completedAt',
        'result',
        'error',
        'lateResult',
      ].sort(),
    );
    const second = await get(`/devices/http-pump/commands?limit=2&after=${first.body.next}`);
    expect(second.body.items.map((c: { payload: unknown }) => c.payload)).toEqual([{ i: 0 }]);
    expect(second.body.next).toBeNull();
    const all = await get('/commands?status=&limit=');
    expect(all.body.items.length).toBeGreaterThanOrEqual(3);
  });

  it('answers 400 with messages for bad parameters', async () => {
    for (const [query, message] of [
      ['deviceId=-x', 'deviceId must match'],
      ['status=lost', 'status must be one of'],
      ['limit=0', 'limit must be a whole number from 1 to 500'],
      ['limit=501', 'limit must be a whole number from 1 to 500'],
      ['limit=ten', 'limit must be a whole number from 1 to 500'],
      ['limit=1e2', 'limit must be a whole number from 1 to 500'],
      ['after=not-a-cursor', 'after must be the "next" cursor'],
      ['colour=red', 'property colour should not exist'],
    ]) {
      const res = await get(`/commands?${query}`);
      expect([query, res.status, res.body.error]).toEqual([query, 400, 'Bad Request']);
      expect(res.body.message.join(' ')).toContain(message);
    }
    const twice = await get('/commands?limit=1&limit=2');
    expect([twice.status, twice.body.message]).toEqual([
      400,
      ['limit must be a whole number from 1 to 500'],
    ]);
    expect((await get('/devices/-x/commands')).status).toBe(400);
    expect((await get('/devices/http-pump/commands?deviceId=other')).status).toBe(400);
  });

  it('summarises a device, and 404s one never seen', async () => {
    const summary = await until(async () => {
      const res = await get('/devices/http-pump');
      expect(res.body.total).toBe(3);
      return res;
    });
    expect(summary.status).toBe(200);
    expect(summary.body).toMatchObject({
      deviceId: 'http-pump',
      lastSeenAt: null,
      successRate: null,
    });
    const unknown = await get('/devices/never-seen');
    expect([unknown.status, unknown.body.message]).toEqual([
      404,
      ['device never-seen has had no command'],
    ]);
    expect((await get('/devices/-x')).status).toBe(400);
  });

  it('reports the projections in readiness and metrics', async () => {
    const ready = await get('/health/ready');
    expect([ready.status, ready.body.checks.projections]).toEqual([200, 'up']);
    const metrics = await (await fetch(`${ledger.httpUrl}/metrics`)).text();
    expect(metrics).toMatch(/ratchet_projection_lag_events\{projection="command_status"\} \d+/);
    expect(metrics).toContain('ratchet_projection_up{projection="device_summary"} 1');
  });
});
