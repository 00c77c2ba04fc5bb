/**
 * Named, scoped credentials (CONTRACT.md sections 2 and 4) on every route. The routes are
 * walked from the API document (`/docs-json`) and from the running application's route table,
 * so a route added later is checked without touching this file: it must name its scope
 * (`x-ratchet-scope`, written by @RequireScope), that scope must be the one the contract gives
 * its class (every GET `read`; groups `admin`; every other write `issue`; health open), and the
 * service must answer `401` without a known token, `403` with a credential of another scope,
 * and neither with the right one.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash, randomUUID } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestLedger, eventually, startTestLedger } from './support/ledger-harness.js';
import { spawnLedger } from './support/ledger-process.js';

const sha = (t: string) => createHash('sha256').update(t).digest('hex');
const TOKENS = {
  reader: 'reader-token-0123456789abcdef',
  issuer: 'issuer-token-0123456789abcdef',
  admin: 'admin-token-0123456789abcdef',
  all: 'all-scopes-token-0123456789abcdef',
} as const;
const CREDENTIALS = [
  `reader:read:${sha(TOKENS.reader)}`,
  `issuer:issue:${sha(TOKENS.issuer)}`,
  `admin:admin:${sha(TOKENS.admin)}`,
  `all:read+issue+admin:${sha(TOKENS.all)}`,
].join('\n');
const SINGLE = { reader: 'read', issuer: 'issue', admin: 'admin' } as const;
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

type Scope = 'read' | 'issue' | 'admin' | 'public';
interface Operation {
  readonly method: string;
  readonly path: string;
  readonly declared: unknown;
}

/** The contract's rule, from the method and path alone (not from the code under test). */
const expectedScope = ({ method, path }: { method: string; path: string }): Scope => {
  if (path.startsWith('/health/') || path === '/console') return 'public';
  if (method === 'GET') return 'read';
  if (path.startsWith('/groups')) return 'admin';
  return 'issue';
};

/** Status of a request, read up to the headers (GET /events never ends on its own). */
async function statusOf(
  ledger: TestLedger,
  method: string,
  path: string,
  headers: Record<string, string>,
): Promise<{ status: number; body: unknown; challenge: string | null }> {
  const abort = new AbortController();
  const writes = method !== 'GET' && method !== 'DELETE';
  const res = await fetch(`${ledger.httpUrl}${path}`, {
    method,
    headers: { ...headers, ...(writes ? { 'content-type': 'application/json' } : {}) },
    body: writes ? '{}' : undefined,
    signal: abort.signal,
  });
  const challenge = res.headers.get('www-authenticate');
  if ((res.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
    abort.abort();
    return { status: res.status, body: null, challenge };
  }
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: res.status, body, challenge };
}

describe('scoped credentials on every route', () => {
  let ledger: TestLedger;
  let operations: Operation[];
  let commandId: string;
  const concrete = (path: string) =>
    path
      .replace('{commandId}', commandId)
      .replace('{fleetCommandId}', randomUUID())
      .replace('{deviceId}', 'pump-1')
      .replace('{group}', 'pumps');

  beforeAll(async () => {
    ledger = await startTestLedger({ LEDGER_API_CREDENTIALS: CREDENTIALS });
    const issued = await ledger.http(
      'POST',
      '/commands',
      { deviceId: 'pump-1', name: 'set-speed', payload: {} },
      bearer(TOKENS.issuer),
    );
    expect(issued.status).toBe(201);
    commandId = issued.body.commandId;
    const doc = await ledger.http('GET', '/docs-json', undefined, bearer(TOKENS.reader));
    expect(doc.status).toBe(200);
    operations = Object.entries(
      doc.body.paths as Record<string, Record<string, Record<string, unknown>>>,
    ).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({
        method: method.toUpperCase(),
        path,
        declared: op['x-ratchet-scope'],
      })),
    );
  });
  afterAll(async () => {
    await ledger?.stop();
  });

  it('documents every route the application serves, each with the scope of its class', () => {
    type Layer = { route?: { path: string; methods: Record<string, boolean> } };
    const express = ledger.app.getHttpAdapter().getInstance() as { router: { stack: Layer[] } };
    const served = express.router.stack.flatMap((layer) =>
      layer.route
        ? Object.keys(layer.route.methods).map(
            (m) => `${m.toUpperCase()} ${layer.route!.path.replace(/:(\w+)/g, '{$1}')}`,
          )
        : [],
    );
    const documented = operations.map((o) => `${o.method} ${o.path}`);
    // Swagger UI's own files sit under /docs/, behind the same check as /docs (tested below).
    const swaggerUi = (r: string) => r.startsWith('GET /docs/');
    expect(served.filter((r) => !documented.includes(r) && !swaggerUi(r))).toEqual([]);
    expect(operations.length).toBeGreaterThanOrEqual(10);
    for (const op of operations) {
      expect({ ...op, declared: op.declared }).toEqual({ ...op, declared: expectedScope(op) });
    }
  });

  it('answers 401 without a token or with an unknown one, on every route but the open ones', async () => {
    for (const op of operations.filter((o) => expectedScope(o) !== 'public')) {
      for (const headers of [
        {},
        bearer('unknown-token-0123456789abcdef'),
        bearer(sha(TOKENS.all)),
      ]) {
        const res = await statusOf(ledger, op.method, concrete(op.path), headers);
        expect({ op, status: res.status }).toEqual({ op, status: 401 });
        expect(res.body).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
        expect(res.challenge).toMatch(/^Bearer realm="ratchet"/);
      }
    }
  });

  it("guards Swagger UI's files as /docs", async () => {
    expect((await statusOf(ledger, 'GET', '/docs/swagger-ui-init.js', {})).status).toBe(401);
    expect(
      (await statusOf(ledger, 'GET', '/docs/swagger-ui-init.js', bearer(TOKENS.issuer))).status,
    ).toBe(403);
    expect(
      (await statusOf(ledger, 'GET', '/docs/swagger-ui-init.js', bearer(TOKENS.reader))).status,
    ).toBe(200);
  });

  it('answers 403 to a credential outside the route scope, and lets the right one through', async () => {
    for (const op of operations.filter((o) => expectedScope(o) !== 'public')) {
      const needed = expectedScope(op);
      for (const [name, scope] of Object.entries(SINGLE)) {
        const res = await statusOf(
          ledger,
          op.method,
          concrete(op.path),
          bearer(TOKENS[name as keyof typeof SINGLE]),
        );
        const cell = { route: `${op.method} ${op.path}`, credential: name };
        if (scope === needed) {
          expect({ ...cell, refused: [401, 403].includes(res.status) }).toEqual({
            ...cell,
            refused: false,
          });
        } else {
          expect({ ...cell, status: res.status }).toEqual({ ...cell, status: 403 });
          expect(res.body).toEqual({
            statusCode: 403,
            error: 'Forbidden',
            message: [`credential ${name} lacks the ${needed} scope (it has ${scope})`],
          });
          expect(res.challenge).toBe(
            `Bearer realm="ratchet", error="insufficient_scope", scope="${needed}"`,
          );
        }
      }
      const all = await statusOf(ledger, op.method, concrete(op.path), bearer(TOKENS.all));
      expect({ op, refused: [401, 403].includes(all.status) }).toEqual({ op, refused: false });
    }
  });

  it('keeps the open routes open, with or without a token', async () => {
    for (const op of operations.filter((o) => expectedScope(o) === 'public')) {
      for (const headers of [{}, bearer('unknown-token-0123456789abcdef'), bearer(TOKENS.reader)]) {
        const res = await statusOf(ledger, op.method, concrete(op.path), headers);
        // /console answers 404 when the console was not built: open either way.
        expect({ op, refused: [401, 403].includes(res.status) }).toEqual({ op, refused: false });
      }
    }
  });
});

describe('LEDGER_API_CREDENTIALS_FILE and SIGHUP', () => {
  const as = (url: string, token: string) =>
    fetch(`${url}/commands`, { headers: bearer(token) }).then((r) => r.status);

  it('the built service re-reads the file on SIGHUP (a rotated token is refused at once)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ratchet-credentials-'));
    const file = join(dir, 'credentials');
    await writeFile(file, `reader:read:${sha(TOKENS.reader)}\n`);
    const ledger = await spawnLedger({
      LEDGER_API_CREDENTIALS_FILE: file,
      LEDGER_DATA_DIR: join(dir, 'data'),
      MQTT_EMBEDDED_PORT: '0',
      HTTP_HOST: '127.0.0.1',
    });
    try {
      expect(await as(ledger.httpUrl, TOKENS.reader)).toBe(200);
      expect(await as(ledger.httpUrl, TOKENS.admin)).toBe(401);
      await writeFile(file, `# rotated\nadmin:read+admin:${sha(TOKENS.admin)}\n`);
      ledger.signal('SIGHUP');
      await eventually(
        async () => ((await as(ledger.httpUrl, TOKENS.reader)) === 401 ? true : undefined),
        'the old token refused after SIGHUP',
      );
      expect(await as(ledger.httpUrl, TOKENS.admin)).toBe(200);
      expect(ledger.output()).toMatch(/API credentials reloaded: admin \(read\+admin\)/);
      // A wrong file: named in the log, and the set in force stays.
      await writeFile(file, `admin:read+root:${sha(TOKENS.admin)}\n`);
      ledger.signal('SIGHUP');
      await eventually(
        async () => (/not reloaded/.test(ledger.output()) ? true : undefined),
        'the refused reload logged',
      );
      expect(await as(ledger.httpUrl, TOKENS.admin)).toBe(200);
      // Tokens are never written to the log, nor their hashes.
      for (const secret of [...Object.values(TOKENS), ...Object.values(TOKENS).map(sha)])
        expect(ledger.output()).not.toContain(secret);
    } finally {
      await ledger.kill('SIGTERM');
    }
  }, 60_000);

  it('keeps the set in force when a reload finds a broken or an empty file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ratchet-credentials-'));
    const file = join(dir, 'credentials');
    await writeFile(file, `admin:read+admin:${sha(TOKENS.admin)}\n`);
    const ledger = await startTestLedger({ LEDGER_API_CREDENTIALS_FILE: file });
    try {
      expect((ledger.app.getHttpServer().address() as AddressInfo).address).toBe('0.0.0.0');
      await writeFile(file, `admin:read+root:${sha(TOKENS.admin)}\n`);
      expect(ledger.reloadCredentials()).toEqual({
        applied: false,
        problems: [expect.stringMatching(/entry 1 \(admin\): scopes are read, issue, admin/)],
      });
      await writeFile(file, '');
      expect(ledger.reloadCredentials().applied).toBe(false);
      await writeFile(file, '# nothing\n');
      expect(ledger.reloadCredentials().applied).toBe(false);
      expect((await ledger.http('GET', '/commands', undefined, bearer(TOKENS.admin))).status).toBe(
        200,
      );
      await writeFile(file, `reader:read:${sha(TOKENS.reader)}\n`);
      expect(ledger.reloadCredentials()).toEqual({ applied: true, problems: [] });
      expect((await ledger.http('GET', '/commands', undefined, bearer(TOKENS.admin))).status).toBe(
        401,
      );
    } finally {
      await ledger.stop();
    }
  });
});
