/**
 * The HTTP API's access rule (CONTRACT.md section 4): with LEDGER_API_TOKENS set, every route
 * but /health/* needs one of the tokens; without tokens everything is open, so the API binds
 * loopback only and says so. Routes are read from the running application, so a route added
 * later is covered without touching this file.
 */
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { type TestLedger, startTestLedger } from './support/ledger-harness.js';
import { openSse } from './support/sse-client.js';

const TOKENS = ['first-token-0123456789abcdef', 'second-token-0123456789abcdef'];
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const boundAddress = (l: TestLedger) => (l.app.getHttpServer().address() as AddressInfo).address;

interface Route {
  readonly method: string;
  readonly path: string;
}

/** Every route the running application serves (Express 5 keeps them on `app.router`). */
function routesOf(l: TestLedger): Route[] {
  type Layer = { route?: { path: string; methods: Record<string, boolean> } };
  const express = l.app.getHttpAdapter().getInstance() as { router: { stack: Layer[] } };
  return express.router.stack.flatMap((layer) =>
    layer.route
      ? Object.keys(layer.route.methods).map((m) => ({
          method: m.toUpperCase(),
          path: layer.route!.path,
        }))
      : [],
  );
}

const isHealth = (r: Route) => r.path.startsWith('/health/');
/** `GET /events` never ends: its answer is read up to the headers. */
const isStream = (r: Route) => r.path === '/events';

/** Starts a ledger and returns what it printed while starting (its warnings among it). */
async function startCapturing(env: Record<string, string>) {
  let output = '';
  const capture = ((chunk: unknown) => {
    output += String(chunk);
    return true;
  }) as typeof process.stdout.write;
  // Warnings go to stdout, errors to stderr (Nest's console logger).
  const spies = [
    jest.spyOn(process.stdout, 'write').mockImplementation(capture),
    jest.spyOn(process.stderr, 'write').mockImplementation(capture),
  ];
  try {
    return { ledger: await startTestLedger(env), output };
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
}

describe('with LEDGER_API_TOKENS set', () => {
  let ledger: TestLedger;
  let routes: Route[];
  let commandId: string;
  const concrete = (path: string) =>
    path.replace(':commandId', commandId).replace(':deviceId', 'pump-1');

  beforeAll(async () => {
    ledger = await startTestLedger({ LEDGER_API_TOKENS: ` ${TOKENS.join(' , ')} ` });
    routes = routesOf(ledger);
    const issued = await ledger.http(
      'POST',
      '/commands',
      { deviceId: 'pump-1', name: 'set-speed', payload: { rpm: 1 } },
      bearer(TOKENS[0]!),
    );
    expect(issued.status).toBe(201);
    commandId = issued.body.commandId;
  });
  afterAll(async () => {
    await ledger?.stop();
  });

  it('serves the routes of CONTRACT.md section 2 (so the checks below cover them)', () => {
    const paths = routes.map((r) => `${r.method} ${r.path}`);
    expect(paths).toEqual(
      expect.arrayContaining([
        'POST /commands',
        'GET /commands',
        'GET /commands/:commandId',
        'GET /commands/:commandId/history',
        'POST /commands/:commandId/cancel',
        'GET /devices/:deviceId',
        'GET /devices/:deviceId/commands',
        'GET /events',
        'GET /health/live',
        'GET /health/ready',
        'GET /metrics',
      ]),
    );
  });

  it('answers 401 on every route but /health/* without a token, or with a wrong or malformed one', async () => {
    const refusals = [
      {},
      bearer('not-one-of-the-tokens-at-all'),
      bearer(`${TOKENS[0]}x`),
      bearer(TOKENS[0]!.slice(0, -1)),
      { authorization: TOKENS[0]! },
      { authorization: `Basic ${TOKENS[0]}` },
      { authorization: `Bearer ${TOKENS.join(',')}` },
    ];
    for (const route of routes.filter((r) => !isHealth(r))) {
      for (const headers of refusals) {
        const res = await ledger.http(route.method, concrete(route.path), undefined, headers);
        expect({ route, headers, status: res.status }).toEqual({ route, headers, status: 401 });
        expect(res.body).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
      }
    }
  });

  it('names the Bearer scheme on a 401 (RFC 6750)', async () => {
    const missing = await fetch(`${ledger.httpUrl}/commands`);
    expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer\b/);
    const wrong = await fetch(`${ledger.httpUrl}/commands`, {
      headers: bearer('not-one-of-the-tokens-at-all'),
    });
    expect(wrong.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
  });

  it('answers as usual with either token', async () => {
    for (const token of TOKENS) {
      const as = (method: string, path: string, body?: unknown) =>
        ledger.http(method, path, body, bearer(token));
      expect((await as('GET', `/commands/${commandId}`)).status).toBe(200);
      expect((await as('GET', `/commands/${commandId}/history`)).status).toBe(200);
      expect((await as('GET', '/commands')).status).toBe(200);
      expect((await as('GET', '/devices/pump-1/commands')).status).toBe(200);
      expect((await as('GET', '/metrics')).status).toBe(200);
      expect((await as('GET', `/commands/${randomUUID()}`)).status).toBe(404);
      expect((await as('POST', '/commands', { deviceId: 'pump-1' })).status).toBe(400);
      expect([200, 409]).toContain((await as('POST', `/commands/${commandId}/cancel`)).status);
      for (const route of routes) {
        const res = isStream(route)
          ? await openSse(`${ledger.httpUrl}${route.path}`, bearer(token)).then((s) => {
              s.close();
              return s;
            })
          : await as(route.method, concrete(route.path));
        expect({ route, status: res.status < 401 || res.status > 403 }).toEqual({
          route,
          status: true,
        });
      }
    }
  });

  it('keeps /health/* open, with or without a token', async () => {
    for (const route of routes.filter(isHealth)) {
      for (const headers of [{}, bearer('not-one-of-the-tokens-at-all')]) {
        const res = await ledger.http(route.method, route.path, undefined, headers);
        expect({ route, status: res.status }).toEqual({ route, status: 200 });
      }
    }
  });

  it('still works, deprecated: the start-up log says so and names the replacement', async () => {
    const { ledger: again, output } = await startCapturing({
      LEDGER_API_TOKENS: TOKENS[0]!,
      HTTP_HOST: '127.0.0.1',
    });
    await again.stop();
    expect(output).toMatch(/LEDGER_API_TOKENS is deprecated.*LEDGER_API_CREDENTIALS/s);
    expect(output).not.toContain(TOKENS[0]);
  });

  it('binds every interface by default (a token guards it)', () => {
    expect(boundAddress(ledger)).toBe('0.0.0.0');
  });
});

describe('without LEDGER_API_TOKENS', () => {
  let ledger: TestLedger;
  let output: string;

  beforeAll(async () => {
    ({ ledger, output } = await startCapturing({}));
  });
  afterAll(async () => {
    await ledger?.stop();
  });

  it('lets every request through', async () => {
    const issued = await ledger.http('POST', '/commands', {
      deviceId: 'pump-2',
      name: 'set-speed',
      payload: {},
    });
    expect(issued.status).toBe(201);
    expect((await ledger.http('GET', `/commands/${issued.body.commandId}`)).status).toBe(200);
    expect((await ledger.http('GET', '/commands')).status).toBe(200);
    expect((await ledger.http('GET', '/metrics')).status).toBe(200);
  });

  it('binds 127.0.0.1 only, and warns that the API is open', () => {
    expect(boundAddress(ledger)).toBe('127.0.0.1');
    expect(output).toMatch(/No API credentials \(LEDGER_API_CREDENTIALS\) are set/);
  });
});

describe('HTTP_HOST', () => {
  it('overrides the default either way', async () => {
    const guarded = await startTestLedger({
      LEDGER_API_TOKENS: TOKENS[0]!,
      HTTP_HOST: '127.0.0.1',
    });
    try {
      expect(boundAddress(guarded)).toBe('127.0.0.1');
    } finally {
      await guarded.stop();
    }
    const { ledger: open, output } = await startCapturing({ HTTP_HOST: '0.0.0.0' });
    try {
      expect(boundAddress(open)).toBe('0.0.0.0');
      // An open API on every interface is announced as an error, not a warning.
      expect(output).toMatch(
        /No API credentials \(LEDGER_API_CREDENTIALS\) are set and HTTP_HOST=0\.0\.0\.0: ANYONE/,
      );
    } finally {
      await open.stop();
    }
  });
});
