import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import {
  type Expectation,
  type FuzzRequest,
  type IssueBody,
  DEVICE_ID,
  PROTOTYPE_NAMES,
  STATUSES,
  check,
  invalidMutation,
  nulJsonObject,
  pathSegment,
  prototypeKeyedObject,
  send,
  unicodeJsonObject,
  validDeviceId,
  validIssueBody,
} from './support/http-fuzz.js';
import { MAX_JSON_DEPTH } from '@ratchet/lifecycle';
import { type TestLedger, eventually, startTestLedger } from './support/ledger-harness.js';

/**
 * Generated bodies, paths, query strings and headers for every endpoint of CONTRACT.md
 * section 2, against the running service on its embedded default. Every answer: never a 5xx,
 * a 2xx for a valid request, a 4xx in the error shape for an invalid one. Where the contract
 * does not decide (an unknown query parameter, `null` for an optional field, a deadline beyond
 * a week), only "never a 5xx" and the shape are checked.
 */
// The command view of CONTRACT section 2 (version 2), every key present (null when unset).
const VIEW_KEYS = [
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
].sort();
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const JSON_HEADERS: Record<string, string> = { 'content-type': 'application/json' };
const normalise = (v: unknown): unknown => JSON.parse(JSON.stringify(v));

describe('HTTP fuzz: every endpoint, generated requests, never a 5xx', () => {
  let ledger: TestLedger;
  let requests = 0;
  /** Commands that exist, on a device that exists (`hz-1`), and a cursor from a real page. */
  const known: string[] = [];
  let cursor = '';

  const go = async (r: FuzzRequest, expected: Expectation) => {
    requests++;
    const res = await send(ledger.httpUrl, r);
    check(r, res, expected);
    return res;
  };
  const post = (body: unknown, headers: Record<string, string> = JSON_HEADERS) =>
    ({
      method: 'POST',
      path: '/commands',
      headers,
      body: typeof body === 'string' ? body : JSON.stringify(body),
    }) satisfies FuzzRequest;
  const expectView = (v: unknown, body?: IssueBody) => {
    const view = v as Record<string, unknown>;
    expect(Object.keys(view).sort()).toEqual(VIEW_KEYS);
    expect(view.commandId).toMatch(UUID);
    expect(STATUSES).toContain(view.status);
    if (body) {
      expect(view).toMatchObject({
        deviceId: body.deviceId,
        name: body.name,
        payload: normalise(body.payload ?? {}),
        attempt: 1,
        retryOf: null,
      });
      if (body.commandId) expect(view.commandId).toBe(body.commandId.toLowerCase());
    }
  };
  const run = <T>(arb: fc.Arbitrary<T>, numRuns: number, body: (v: T) => Promise<void>) =>
    fc.assert(fc.asyncProperty(arb, body), { numRuns });

  beforeAll(async () => {
    ledger = await startTestLedger();
    for (let i = 0; i < 3; i++) {
      const res = await go(post({ deviceId: 'hz-1', name: 'seed', payload: { i } }), 'valid');
      known.push((res.json as { commandId: string }).commandId);
    }
    cursor = await eventually(async () => {
      const page = (await send(ledger.httpUrl, { method: 'GET', path: '/commands?limit=1' }))
        .json as { next?: string } | undefined;
      return page?.next ?? undefined;
    }, 'a second page');
  }, 60_000);

  afterAll(async () => {
    // eslint-disable-next-line no-console -- the count is part of what the fuzz reports
    console.info(`HTTP fuzz: ${requests} requests`);
    await ledger?.stop();
  });

  describe('POST /commands', () => {
    it('a valid body is 201 with the command, and the same body again is 200, another 409', async () => {
      await run(
        fc.tuple(validIssueBody(), fc.boolean(), fc.constantFrom('', ' ', '\n\t')),
        40,
        async ([body, upper, ws]) => {
          const b = { ...body, ...(upper ? { commandId: body.commandId?.toUpperCase() } : {}) };
          const created = await go(post(JSON.stringify(b, null, ws)), 'valid');
          expect(created.status).toBe(201);
          expectView(created.json, body);
          expect(created.json).toMatchObject({ status: 'requested', revision: 0 });
          if (!body.commandId) return;
          // Key order and whitespace are not a difference.
          const reordered = Object.fromEntries(Object.entries(b).reverse());
          const again = await go(post(reordered), 'valid');
          expect(again.status).toBe(200);
          expect((again.json as { commandId: string }).commandId).toBe(
            body.commandId.toLowerCase(),
          );
          const other = await go(post({ ...b, name: `${body.name}x`.slice(0, 64) }), 'either');
          if (`${body.name}x`.slice(0, 64) !== body.name) expect(other.status).toBe(409);
        },
      );
    });

    it('a valid body whose payload holds control characters, BOMs and separators is 201', async () => {
      await run(fc.tuple(validDeviceId, unicodeJsonObject), 60, async ([deviceId, payload]) => {
        const res = await go(post({ deviceId, name: 'unicode', payload }), 'valid');
        expectView(res.json, { deviceId, name: 'unicode', payload });
      });
    });

    it('a payload holding U+0000 anywhere is 400 naming it (it cannot be stored), never a 5xx', async () => {
      await run(fc.tuple(validDeviceId, nulJsonObject), 40, async ([deviceId, payload]) => {
        const res = await go(post({ deviceId, name: 'nul', payload }), 'invalid');
        expect(res.status).toBe(400);
        expect((res.json as { message: string[] }).message.join(' ')).toContain('U+0000');
      });
    });

    it('a payload holding an escaped lone surrogate (not Unicode; jsonb refuses it) is 400 naming it', async () => {
      const surrogate = fc.constantFrom('\\ud800', '\\udfff', 'a\\udc00b', '\\ud83d');
      await run(fc.tuple(validDeviceId, surrogate, fc.boolean()), 20, async ([d, u, inKey]) => {
        const payload = inKey ? `{"${u}":1}` : `{"text":"${u}"}`;
        const res = await go(
          post(`{"deviceId":"${d}","name":"lone","payload":${payload}}`),
          'invalid',
        );
        expect(res.status).toBe(400);
        expect((res.json as { message: string[] }).message.join(' ')).toContain('lone surrogate');
      });
    });

    it('a payload keeps every key, also those named like Object.prototype members (toString, valueOf, …)', async () => {
      await run(fc.tuple(validDeviceId, prototypeKeyedObject), 40, async ([deviceId, payload]) => {
        const res = await go(post({ deviceId, name: 'keys', payload }), 'valid');
        expectView(res.json, { deviceId, name: 'keys', payload });
      });
    });

    it(`a payload nesting up to ${MAX_JSON_DEPTH} levels is 201, deeper (up to the 64 KiB limit) is 400 naming the limit`, async () => {
      await run(fc.integer({ min: 1, max: 8_000 }), 40, async (depth) => {
        const payload = `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
        const body = `{"deviceId":"deep","name":"nest","payload":${payload}}`;
        if (depth <= MAX_JSON_DEPTH) {
          await go(post(body), 'valid');
          return;
        }
        const res = await go(post(body), 'invalid');
        expect(res.status).toBe(400);
        expect((res.json as { message: string[] }).message.join(' ')).toContain(
          `more than ${MAX_JSON_DEPTH} levels`,
        );
      });
    });

    it('a deeply nested value in a field other than the payload is 400, never a 5xx', async () => {
      await run(
        fc.tuple(
          fc.constantFrom('retry', 'name', 'ackTimeoutMs', 'extra'),
          fc.integer({ min: 5, max: 8_000 }),
        ),
        20,
        async ([field, depth]) => {
          const deep = `${'['.repeat(depth)}1${']'.repeat(depth)}`;
          const body = `{"deviceId":"deep","name":"nest","${field}":${deep}}`;
          const res = await go(post(body), 'invalid');
          expect(res.status).toBe(400);
        },
      );
    });

    it('one invalid field (wrong type, pattern, range, unknown field, not an object) is 400', async () => {
      await run(fc.tuple(validIssueBody(), invalidMutation), 300, async ([body, [, mutate]]) => {
        const res = await go(post(mutate(body)), 'invalid');
        expect(res.status).toBe(400);
      });
    });

    it('an unknown top-level field is 400 even when it is named like an Object.prototype member', async () => {
      await run(
        fc.tuple(
          validIssueBody(),
          fc.constantFrom(...PROTOTYPE_NAMES),
          fc.jsonValue({ maxDepth: 1 }),
        ),
        30,
        async ([body, key, value]) => {
          // JSON.stringify cannot write an own "__proto__" key: build the text by hand.
          const text = `${JSON.stringify(body).slice(0, -1)},${JSON.stringify(key)}:${JSON.stringify(value ?? null)}}`;
          await go(post(text), 'invalid');
        },
      );
    });

    it('retry must be an object: an array is 400', async () => {
      await run(
        fc.tuple(
          validIssueBody(),
          fc.constantFrom<unknown>([], [{ maxAttempts: 3, on: ['failed'] }]),
        ),
        10,
        async ([body, retry]) => {
          await go(post({ ...body, retry }), 'invalid');
        },
      );
    });

    it('what the contract leaves open (null for optional fields, long deadlines, 0, floats, duplicates in retry.on) is never a 5xx', async () => {
      const open = fc.constantFrom<[string, unknown]>(
        ['payload', null],
        ['commandId', null],
        ['retry', null],
        ['ackTimeoutMs', null],
        ['ackTimeoutMs', 0],
        ['timeoutMs', 1.5],
        ['expiresInMs', 7 * 24 * 3600 * 1000 + 1],
        ['timeoutMs', Number.MAX_SAFE_INTEGER],
        ['retry', { on: ['failed', 'failed'] }],
        ['retry', {}],
        ['retry', { maxAttempts: null }],
        ['retry', { on: null }],
        ['ackTimeoutMs', 1],
        ['payload', { x: 1e300 }],
      );
      await run(fc.tuple(validIssueBody(), open), 60, async ([body, [k, v]]) => {
        await go(post({ ...body, commandId: randomUUID(), [k]: v }), 'either');
      });
    });

    it('a body that is not JSON, or truncated JSON, is 400', async () => {
      const notJson = fc.oneof(
        fc.string({ minLength: 1, maxLength: 200 }).filter((s) => {
          try {
            JSON.parse(s);
            return false;
          } catch {
            return s.trim().length > 0;
          }
        }),
        validIssueBody().map((b) => JSON.stringify(b).slice(0, -1)),
        fc.constantFrom('{', '{"deviceId":', "{'deviceId':'x'}", '{"a":1}}', 'NaN', '\u0000'),
      );
      await run(notJson, 120, async (text) => {
        await go(post(text), 'invalid');
      });
    });

    it('a payload past 64 KiB is refused (400 or 413), a body past the limit is 413', async () => {
      await run(fc.integer({ min: 64 * 1024 + 1, max: 79 * 1024 }), 10, async (size) => {
        const res = await go(
          post({ deviceId: 'big', name: 'big', payload: { s: 'x'.repeat(size) } }),
          'invalid',
        );
        expect([400, 413]).toContain(res.status);
      });
      await run(fc.integer({ min: 100 * 1024, max: 6 * 1024 * 1024 }), 8, async (size) => {
        const res = await go(
          post({ deviceId: 'big', name: 'big', payload: { s: 'x'.repeat(size) } }),
          'invalid',
        );
        expect(res.status).toBe(413);
      });
    });

    it('content-type and encoding oddities are 4xx (or 201 when the body is still JSON), never 5xx', async () => {
      const variants = fc.constantFrom<[Record<string, string>, Expectation, boolean?]>(
        [{ 'content-type': 'application/json; charset=utf-8' }, 'valid'],
        [{ 'content-type': 'application/json;charset=UTF-8' }, 'valid'],
        [{ 'content-type': 'APPLICATION/JSON' }, 'either'],
        [{ 'content-type': 'text/plain' }, 'invalid'],
        [{}, 'invalid'],
        [{ 'content-type': 'application/json; charset=latin1' }, 'invalid'],
        [{ 'content-type': 'application/json; charset=iso-8859-1' }, 'invalid'],
        [{ 'content-type': 'application/json; charset=utf-16' }, 'invalid'],
        [{ 'content-type': 'application/json; charset=nonsense' }, 'invalid'],
        [{ 'content-type': 'application/x-www-form-urlencoded' }, 'invalid'],
        [{ 'content-type': 'multipart/form-data; boundary=x' }, 'invalid'],
        [{ 'content-type': 'application/xml' }, 'invalid'],
        [{ 'content-type': 'application/json', 'content-encoding': 'gzip' }, 'either', true],
        [{ 'content-type': 'application/json', 'content-encoding': 'gzip' }, 'invalid'],
        [{ 'content-type': 'application/json', 'content-encoding': 'br' }, 'invalid'],
        [{ 'content-type': 'application/json', 'content-encoding': 'x-nonsense' }, 'invalid'],
        [{ 'content-type': 'application/json', 'content-encoding': 'identity' }, 'either'],
      );
      await run(
        fc.tuple(validIssueBody(), variants),
        80,
        async ([body, [headers, expected, gz]]) => {
          const text = JSON.stringify({ ...body, commandId: randomUUID() });
          await go(
            { method: 'POST', path: '/commands', headers, body: gz ? gzipSync(text) : text },
            expected,
          );
        },
      );
    });
  });

  describe('GET /commands/{id}, /history, POST /commands/{id}/cancel', () => {
    const idArb = () =>
      fc.oneof(
        fc.constantFrom(...known).map((id) => ({ id, kind: 'known' as const })),
        fc.constantFrom(...known).map((id) => ({ id: id.toUpperCase(), kind: 'known' as const })),
        fc.uuid().map((id) => ({ id, kind: 'unknown' as const })),
        pathSegment
          .filter((s) => !/^[0-9a-f-]{36}$/i.test(decodeURIComponentSafe(s)))
          .map((id) => ({ id, kind: 'bad' as const })),
      );

    it('GET /commands/{id}: 200 known (either case), 404 unknown, 400 not a UUID', async () => {
      await run(idArb(), 150, async ({ id, kind }) => {
        const res = await go(
          { method: 'GET', path: `/commands/${id}` },
          kind === 'known' ? 'valid' : 'invalid',
        );
        if (kind === 'known') {
          expectView(res.json);
          expect((res.json as { commandId: string }).commandId).toBe(id.toLowerCase());
        }
        if (kind === 'unknown') expect(res.status).toBe(404);
        if (kind === 'bad') expect([400, 404]).toContain(res.status);
      });
    });

    it('GET /commands/{id}/history: the stream oldest first, or 404 / 400', async () => {
      await run(idArb(), 80, async ({ id, kind }) => {
        const res = await go(
          { method: 'GET', path: `/commands/${id}/history` },
          kind === 'known' ? 'valid' : 'invalid',
        );
        if (kind !== 'known') return;
        const h = res.json as { commandId: string; events: { revision: number; type: string }[] };
        expect(h.commandId).toBe(id.toLowerCase());
        expect(h.events.map((e) => e.revision)).toEqual(h.events.map((_, i) => i));
        expect(h.events[0]!.type).toBe('CommandRequested');
      });
    });

    it('POST /commands/{id}/cancel: 409 with the state once sent, 404 unknown, 4xx not a UUID, whatever the body', async () => {
      const body = fc.oneof(
        fc.constant(undefined),
        fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)),
        fc.string({ maxLength: 50 }),
      );
      await run(fc.tuple(idArb(), body), 80, async ([{ id, kind }, b]) => {
        const res = await go(
          {
            method: 'POST',
            path: `/commands/${id}/cancel`,
            ...(b === undefined
              ? {}
              : { body: b, headers: { 'content-type': 'application/json' } }),
          },
          kind === 'known' ? 'either' : 'invalid',
        );
        if (kind === 'known' && res.status !== 400) {
          // The seeded commands were sent long ago: only a 409 with the current state fits.
          expect(res.status).toBe(409);
          expect((res.json as { command: { status: string } }).command.status).not.toBe(
            'requested',
          );
        }
        if (kind === 'unknown' && res.status !== 400) expect(res.status).toBe(404);
      });
    });

    it('cancel right after issue is 200 cancelled or 409 sent, never both states', async () => {
      await run(validDeviceId, 20, async (deviceId) => {
        const created = await go(post({ deviceId, name: 'race' }), 'valid');
        const id = (created.json as { commandId: string }).commandId;
        const res = await go({ method: 'POST', path: `/commands/${id}/cancel` }, 'either');
        const state = (await send(ledger.httpUrl, { method: 'GET', path: `/commands/${id}` }))
          .json as { status: string };
        if (res.status === 200) {
          expect((res.json as { status: string }).status).toBe('cancelled');
          expect(state.status).toBe('cancelled');
        } else {
          expect(res.status).toBe(409);
          expect(state.status).not.toBe('cancelled');
        }
      });
    });
  });

  describe('GET /commands?…, GET /devices/{id}/commands?…, GET /devices/{id}', () => {
    type Part = { text: string; valid: boolean | null };
    const part = (name: string, valid: fc.Arbitrary<string>, invalid: fc.Arbitrary<string>) =>
      fc.option(
        fc.oneof(
          valid.map((v): Part => ({ text: `${name}=${encodeURIComponent(v)}`, valid: true })),
          invalid.map((v): Part => ({ text: `${name}=${encodeURIComponent(v)}`, valid: false })),
          // Empty, unknown and repeated parameters: the contract does not say.
          fc.constant<Part>({ text: `${name}=`, valid: null }),
          fc.constant<Part>({ text: `${name}=a&${name}=b`, valid: null }),
        ),
        { nil: undefined },
      );
    const status = part(
      'status',
      fc.constantFrom(...STATUSES),
      fc.constantFrom('lost', 'SENT', 'done', 'requested ', '0'),
    );
    const limit = part(
      'limit',
      fc.integer({ min: 1, max: 500 }).map(String),
      fc.constantFrom('0', '501', '-1', 'ten', '1.5', '9'.repeat(30)),
    );
    const after = part(
      'after',
      fc.constant('').map(() => cursor),
      fc.oneof(fc.string({ minLength: 1, maxLength: 40 }), fc.constantFrom('W10', 'e30', 'bnVsbA')),
    );
    const deviceQ = part(
      'deviceId',
      fc.oneof(validDeviceId, fc.constant('hz-1')),
      fc.constantFrom('-x', 'a b', 'ü', 'x'.repeat(65)),
    );
    const unknownQ = fc.option(
      fc.constantFrom<Part>(
        { text: 'colour=red', valid: null },
        { text: '__proto__=1', valid: null },
        { text: 'constructor=x', valid: null },
        { text: 'status[]=sent', valid: null },
      ),
      { nil: undefined },
    );
    const verdict = (parts: (Part | undefined)[]): Expectation => {
      const ps = parts.filter((p): p is Part => p !== undefined);
      if (ps.some((p) => p.valid === false)) return 'invalid';
      return ps.some((p) => p.valid === null) ? 'either' : 'valid';
    };
    const expectPage = (body: unknown, filter: { status?: string; deviceId?: string }) => {
      const page = body as { items: Record<string, unknown>[]; next: string | null };
      expect(Object.keys(page).sort()).toEqual(['items', 'next']);
      expect(page.next === null || typeof page.next === 'string').toBe(true);
      for (const item of page.items) {
        expect(Object.keys(item).sort()).toEqual(VIEW_KEYS);
        if (filter.status) expect(item.status).toBe(filter.status);
        if (filter.deviceId) expect(item.deviceId).toBe(filter.deviceId);
      }
      const times = page.items.map((i) => String(i.requestedAt));
      expect([...times].sort().reverse()).toEqual(times);
    };
    const value = (p: Part | undefined) =>
      p?.valid ? decodeURIComponent(p.text.slice(p.text.indexOf('=') + 1)) : undefined;

    it('GET /commands?deviceId=&status=&limit=&after=: 200 newest-first page, or 400', async () => {
      await run(fc.tuple(deviceQ, status, limit, after, unknownQ), 150, async (parts) => {
        const q = parts
          .filter((p) => p !== undefined)
          .map((p) => p!.text)
          .join('&');
        const expected = verdict(parts);
        const res = await go({ method: 'GET', path: `/commands?${q}` }, expected);
        if (res.status === 200) {
          expectPage(res.json, { deviceId: value(parts[0]), status: value(parts[1]) });
          const l = value(parts[2]);
          if (l)
            expect((res.json as { items: unknown[] }).items.length).toBeLessThanOrEqual(Number(l));
        }
      });
    });

    it('GET /devices/{id}/commands?status=&limit=&after=: 200 page of that device, or 400', async () => {
      const device = fc.oneof(
        fc.constant({ id: 'hz-1', valid: true }),
        validDeviceId.map((id) => ({ id, valid: true })),
        pathSegment
          .filter((s) => !DEVICE_ID.test(decodeURIComponentSafe(s)))
          .map((id) => ({ id, valid: false })),
      );
      await run(fc.tuple(device, status, limit, after, unknownQ), 120, async ([d, ...parts]) => {
        const q = parts
          .filter((p) => p !== undefined)
          .map((p) => p!.text)
          .join('&');
        const expected = d.valid ? verdict(parts) : 'invalid';
        const res = await go({ method: 'GET', path: `/devices/${d.id}/commands?${q}` }, expected);
        if (res.status === 200) expectPage(res.json, { deviceId: d.id, status: value(parts[0]) });
      });
    });

    it('GET /devices/{id}: 200 summary for a device seen, 404 never seen, 4xx not a device id', async () => {
      const device = fc.oneof(
        fc.constant({ id: 'hz-1', kind: 'seen' as const }),
        validDeviceId
          .filter((id) => id !== 'hz-1')
          .map((id) => ({ id: `${id.slice(0, 60)}-zz`, kind: 'never' as const })),
        pathSegment
          .filter((s) => !DEVICE_ID.test(decodeURIComponentSafe(s)))
          .map((id) => ({ id, kind: 'bad' as const })),
      );
      await run(device, 80, async ({ id, kind }) => {
        const res = await go(
          { method: 'GET', path: `/devices/${id}` },
          kind === 'seen' ? 'valid' : 'invalid',
        );
        if (kind === 'seen') expect(res.json).toMatchObject({ deviceId: 'hz-1' });
        if (kind === 'never') expect(res.status).toBe(404);
      });
    });
  });

  describe('health, metrics, and everything else', () => {
    const header = fc.tuple(
      fc.stringMatching(/^x-[a-z0-9-]{1,20}$/),
      fc.string({
        maxLength: 200,
        unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
      }),
    );
    const oddHeaders = fc
      .tuple(
        fc.array(header, { maxLength: 5 }),
        fc.option(fc.constantFrom('text/html', '*/*', 'application/xml', 'application/json'), {
          nil: undefined,
        }),
        fc.option(fc.constantFrom('Bearer nonsense', 'Basic eDp5', '', 'Bearer'), {
          nil: undefined,
        }),
      )
      .map(([hs, accept, auth]) => ({
        ...Object.fromEntries(hs),
        ...(accept ? { accept } : {}),
        ...(auth !== undefined ? { authorization: auth } : {}),
      }));

    it('GET /health/live, /health/ready and /metrics are 200 whatever the query and headers', async () => {
      await run(
        fc.tuple(
          fc.constantFrom('/health/live', '/health/ready', '/metrics'),
          fc.option(fc.string({ maxLength: 30 }).map(encodeURIComponent), { nil: undefined }),
          oddHeaders,
        ),
        60,
        async ([path, q, headers]) => {
          const res = await go(
            { method: 'GET', path: q === undefined ? path : `${path}?${q}=${q}`, headers },
            'valid',
          );
          if (path === '/metrics') expect(res.text).toContain('ratchet_inbound_rejected_total');
          else expect(res.json).toMatchObject({ status: 'up' });
        },
      );
    });

    it('valid requests stay valid with extra, Accept and Authorization headers (no tokens configured)', async () => {
      await run(fc.tuple(validIssueBody(), oddHeaders), 40, async ([body, headers]) => {
        await go(
          post({ ...body, commandId: randomUUID() }, { ...headers, ...JSON_HEADERS }),
          'valid',
        );
        await go({ method: 'GET', path: `/commands/${known[0]}`, headers }, 'valid');
      });
    });

    it('other methods and unknown paths are 4xx in the error shape', async () => {
      const paths = fc.oneof(
        fc.constantFrom(
          '/commands',
          `/commands/${randomUUID()}`,
          '/health/live',
          '/metrics',
          '/devices/hz-1',
        ),
        fc.array(pathSegment, { minLength: 1, maxLength: 4 }).map((s) => `/${s.join('/')}`),
      );
      await run(
        fc.tuple(fc.constantFrom('PUT', 'PATCH', 'DELETE', 'OPTIONS', 'GET', 'POST'), paths),
        120,
        async ([method, path]) => {
          const routed = /^\/(commands(\/[0-9a-f-]{36})?|health\/live|metrics|devices\/hz-1)$/.test(
            path,
          );
          const allowed =
            (method === 'GET' && routed) || (method === 'POST' && path === '/commands');
          await go(
            {
              method,
              path,
              ...(method === 'POST' ? { body: '{}', headers: JSON_HEADERS } : {}),
            },
            allowed ? 'either' : 'invalid',
          );
        },
      );
    });
  });
});

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
