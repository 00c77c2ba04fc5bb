import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  MAX_RESULT_ERROR_LENGTH,
  decodeAck,
  decodeResult,
  encodeIntent,
  encodeState,
} from './codecs.js';
import { DEFAULT_MAX_INBOUND_BYTES } from './json-payload.js';
import { MAX_JSON_DEPTH } from '@ratchet/lifecycle';

const CMD = '0b7f6a2e-4c1d-4e8a-9f3b-2d5c6e7f8a9b';
const json = (v: unknown): Buffer => Buffer.from(JSON.stringify(v));

describe('encoders', () => {
  it('encode an intent with ISO timestamps', () => {
    const bytes = encodeIntent({
      commandId: CMD,
      name: 'set-speed',
      payload: { rpm: 1200 },
      attempt: 1,
      issuedAt: new Date('2025-01-01T00:00:00.000Z'),
      expiresAt: '2025-01-01T00:05:00.000Z',
    });
    expect(JSON.parse(bytes.toString())).toEqual({
      commandId: CMD,
      name: 'set-speed',
      payload: { rpm: 1200 },
      attempt: 1,
      issuedAt: '2025-01-01T00:00:00.000Z',
      expiresAt: '2025-01-01T00:05:00.000Z',
    });
  });

  it('encode a state with a bigint revision as a JSON number', () => {
    const bytes = encodeState({
      commandId: CMD,
      status: 'acknowledged',
      revision: 2n,
      at: new Date(0),
    });
    expect(JSON.parse(bytes.toString())).toEqual({
      commandId: CMD,
      status: 'acknowledged',
      revision: 2,
      at: '1970-01-01T00:00:00.000Z',
    });
  });
});

describe('decodeAck', () => {
  it('accepts an empty payload, {} and any other object', () => {
    expect(decodeAck(Buffer.alloc(0))).toEqual({ ok: true, value: {} });
    expect(decodeAck(undefined)).toEqual({ ok: true, value: {} });
    expect(decodeAck(json({}))).toEqual({ ok: true, value: {} });
    expect(decodeAck(json({ firmware: '1.2' }))).toEqual({ ok: true, value: { firmware: '1.2' } });
  });

  it.each([['null'], ['[]'], ['"ok"'], ['42'], ['true']])('rejects %s as bad_shape', (text) => {
    expect(decodeAck(Buffer.from(text))).toMatchObject({ ok: false, reason: 'bad_shape' });
  });

  it.each([['{'], ['ack'], [' '], ['{"a":1}}']])('rejects %j as invalid_json', (text) => {
    expect(decodeAck(Buffer.from(text))).toMatchObject({ ok: false, reason: 'invalid_json' });
  });

  it('rejects invalid UTF-8 as invalid_json', () => {
    expect(decodeAck(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]))).toMatchObject({
      ok: false,
      reason: 'invalid_json',
    });
  });
});

describe('decodeResult', () => {
  it('accepts executed with output and failed with error', () => {
    expect(decodeResult(json({ status: 'executed', output: { rpm: 1200 } }))).toEqual({
      ok: true,
      value: { status: 'executed', output: { rpm: 1200 }, ignoredFields: [] },
    });
    expect(decodeResult(json({ status: 'failed', error: 'motor stalled' }))).toEqual({
      ok: true,
      value: { status: 'failed', error: 'motor stalled', ignoredFields: [] },
    });
  });

  it('keeps an explicit null output (the device said so)', () => {
    expect(decodeResult(json({ status: 'executed', output: null }))).toEqual({
      ok: true,
      value: { status: 'executed', output: null, ignoredFields: [] },
    });
  });

  it('tolerates unknown fields but does not carry them, and names them', () => {
    expect(decodeResult(json({ status: 'executed', durationMs: 12, extra: true }))).toEqual({
      ok: true,
      value: { status: 'executed', ignoredFields: ['durationMs', 'extra'] },
    });
  });

  it.each([
    ['no status', {}],
    ['an unknown status', { status: 'done' }],
    ['a status of another type', { status: 1 }],
    ['a non-string error', { status: 'failed', error: { code: 3 } }],
    ['a null error', { status: 'failed', error: null }],
    ['an array', [{ status: 'executed' }]],
    ['null', null],
  ])('rejects %s as bad_shape', (_what, value) => {
    expect(decodeResult(json(value))).toMatchObject({ ok: false, reason: 'bad_shape' });
  });

  it('rejects an error text over the limit', () => {
    const error = 'e'.repeat(MAX_RESULT_ERROR_LENGTH + 1);
    expect(decodeResult(json({ status: 'failed', error }))).toMatchObject({
      ok: false,
      reason: 'bad_shape',
    });
    expect(decodeResult(json({ status: 'failed', error: error.slice(1) })).ok).toBe(true);
  });

  it('rejects an empty payload as bad_shape', () => {
    expect(decodeResult(Buffer.alloc(0))).toMatchObject({ ok: false, reason: 'bad_shape' });
  });

  it('rejects a payload over the limit as too_large without parsing it', () => {
    const big = Buffer.alloc(DEFAULT_MAX_INBOUND_BYTES + 1, 0x20);
    expect(decodeResult(big)).toMatchObject({ ok: false, reason: 'too_large' });
    expect(
      decodeResult(json({ status: 'executed', output: 'x'.repeat(100) }), { maxBytes: 64 }),
    ).toMatchObject({
      ok: false,
      reason: 'too_large',
    });
  });

  it('accepts a 64 KiB command-sized output under the default limit', () => {
    const output = { blob: 'x'.repeat(64 * 1024 - 20) };
    expect(decodeResult(json({ status: 'executed', output })).ok).toBe(true);
  });

  it('survives pathological nesting within the size limit', () => {
    const deep = `{"status":"executed","output":${'['.repeat(30_000)}${']'.repeat(30_000)}}`;
    expect(Buffer.byteLength(deep)).toBeLessThan(DEFAULT_MAX_INBOUND_BYTES);
    // Refused as too deep (or as invalid_json, should the engine's parser give up first):
    // never a throw, never handed on to code that recurses.
    const r = decodeResult(Buffer.from(deep));
    expect(r.ok ? 'accepted' : r.reason).toMatch(/^(too_deep|invalid_json)$/);
  });

  it(`accepts an output nesting ${MAX_JSON_DEPTH} levels and refuses one more as too_deep`, () => {
    const nest = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
    const at = (n: number) =>
      decodeResult(Buffer.from(`{"status":"executed","output":${nest(n)}}`));
    expect(at(MAX_JSON_DEPTH).ok).toBe(true);
    expect(at(MAX_JSON_DEPTH + 1)).toMatchObject({ ok: false, reason: 'too_deep' });
  });

  it('refuses a lone surrogate in the output or a key as unsupported_character', () => {
    for (const text of [
      '{"status":"executed","output":"\\ud800"}',
      '{"status":"failed","error":"x\\udfff"}',
      '{"status":"executed","output":{"\\ud83d":1}}',
    ])
      expect(decodeResult(Buffer.from(text))).toMatchObject({
        ok: false,
        reason: 'unsupported_character',
      });
    expect(decodeResult(Buffer.from('{"status":"executed","output":"\\ud83d\\ude00"}')).ok).toBe(
      true,
    );
  });

  it('does not let a __proto__ key change the shape', () => {
    const r = decodeResult(Buffer.from('{"status":"executed","__proto__":{"error":5}}'));
    expect(r).toEqual({ ok: true, value: { status: 'executed', ignoredFields: ['__proto__'] } });
  });
});

describe('decoders never throw (property)', () => {
  const anyInput = fc.oneof(
    fc.uint8Array({ maxLength: 512 }),
    fc.string(),
    fc.json().map((s) => Buffer.from(s)),
    fc.jsonValue().map((v) => json(v)),
    fc
      .record(
        {
          status: fc.constantFrom('executed', 'failed', 'x'),
          error: fc.anything(),
          output: fc.jsonValue(),
        },
        { requiredKeys: [] },
      )
      .map((v) => json(v)),
  );

  it('decodeAck and decodeResult return a value for arbitrary bytes', () => {
    fc.assert(
      fc.property(anyInput, (input) => {
        for (const decode of [decodeAck, decodeResult]) {
          const r = decode(input);
          expect(typeof r.ok).toBe('boolean');
          if (!r.ok) expect(['invalid_json', 'bad_shape', 'too_large']).toContain(r.reason);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('an accepted result always has a valid status and a bounded string error', () => {
    fc.assert(
      fc.property(anyInput, (input) => {
        const r = decodeResult(input);
        if (!r.ok) return;
        expect(['executed', 'failed']).toContain(r.value.status);
        if (r.value.error !== undefined) {
          expect(typeof r.value.error).toBe('string');
          expect(r.value.error.length).toBeLessThanOrEqual(MAX_RESULT_ERROR_LENGTH);
        }
      }),
      { numRuns: 3000 },
    );
  });
});
