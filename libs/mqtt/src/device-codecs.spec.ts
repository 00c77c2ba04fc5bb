/**
 * The device's side of the payloads: presence, the intent as received, acks and results as
 * sent — and that what a device encodes is what the ledger's decoders accept (round trips).
 */
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { decodeAck, decodeResult, encodeAck, encodeIntent, encodeResult } from './codecs.js';
import { decodeIntent } from './intent-codec.js';
import { decodePresence, encodePresence } from './presence-codec.js';

const CMD = '0b7f6a2e-4c1d-4e8a-9f3b-2d5c6e7f8a9b';
const json = (v: unknown): Buffer => Buffer.from(JSON.stringify(v));
const epochArb = fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER });
const BAD_EPOCHS = [0, -1, 1.5, 2 ** 53, '7', null, true];

describe('presence', () => {
  it('round-trips a birth and a will', () => {
    fc.assert(
      fc.property(fc.boolean(), epochArb, (online, epoch) => {
        expect(decodePresence(encodePresence({ online, epoch }))).toEqual({
          ok: true,
          value: { online, epoch },
        });
      }),
    );
  });

  it('encodes exactly { online, epoch }', () => {
    expect(encodePresence({ online: false, epoch: 12 }).toString()).toBe(
      '{"online":false,"epoch":12}',
    );
  });

  it('refuses to encode an epoch no ledger would take', () => {
    for (const epoch of [0, 1.5, 2 ** 53])
      expect(() => encodePresence({ online: true, epoch })).toThrow(TypeError);
  });

  it('tolerates extra fields and drops them', () => {
    expect(decodePresence(json({ online: true, epoch: 3, firmware: '2.1' }))).toEqual({
      ok: true,
      value: { online: true, epoch: 3 },
    });
  });

  it.each([
    ['an empty payload', Buffer.alloc(0)],
    ['no online', json({ epoch: 3 })],
    ['online as a string', json({ online: 'true', epoch: 3 })],
    ['no epoch', json({ online: true })],
    ...BAD_EPOCHS.map((epoch) => [`epoch ${JSON.stringify(epoch)}`, json({ online: true, epoch })]),
    ['an array', json([{ online: true, epoch: 3 }])],
  ] as [string, Buffer][])('refuses %s as bad_shape', (_what, input) => {
    expect(decodePresence(input)).toMatchObject({ ok: false, reason: 'bad_shape' });
  });

  it('refuses text that is not JSON as invalid_json', () => {
    expect(decodePresence(Buffer.from('online'))).toMatchObject({
      ok: false,
      reason: 'invalid_json',
    });
  });
});

describe('decodeIntent', () => {
  const intent = {
    commandId: CMD,
    name: 'set-speed',
    payload: { rpm: 1200 },
    attempt: 2,
    issuedAt: '2026-01-01T00:00:00.000Z',
    expiresAt: '2026-01-01T00:05:00.000Z',
  };

  it('reads what the ledger encodes, with expiresAt in milliseconds', () => {
    expect(decodeIntent(encodeIntent(intent))).toEqual({
      ok: true,
      value: { ...intent, expiresAtMs: Date.parse(intent.expiresAt) },
    });
  });

  it.each([
    ['commandId is not a UUID', { commandId: 'x' }],
    ['name is not a non-empty string', { name: '' }],
    ['payload is not a JSON object', { payload: [1] }],
    ['attempt is not a whole number ≥ 1', { attempt: 0 }],
    ['issuedAt is not a date', { issuedAt: 'yesterday' }],
    ['expiresAt is not a date', { expiresAt: undefined }],
  ])('refuses an intent whose %s', (detail, change) => {
    expect(decodeIntent(json({ ...intent, ...change }))).toEqual({
      ok: false,
      reason: 'bad_shape',
      detail,
    });
  });

  it('refuses what is not a JSON object', () => {
    expect(decodeIntent(Buffer.from('[]'))).toMatchObject({ ok: false, reason: 'bad_shape' });
    expect(decodeIntent(Buffer.from('{'))).toMatchObject({ ok: false, reason: 'invalid_json' });
    expect(decodeIntent(Buffer.alloc(0))).toMatchObject({ ok: false, reason: 'bad_shape' });
  });
});

describe('answers with an epoch', () => {
  it('encodes an ack as {} or { epoch }', () => {
    expect(encodeAck().toString()).toBe('{}');
    expect(encodeAck({ epoch: 9 }).toString()).toBe('{"epoch":9}');
  });

  it('round-trips acks and results through the ledger decoders, epoch included', () => {
    fc.assert(
      fc.property(
        fc.option(epochArb, { nil: undefined }),
        fc.oneof(
          fc.record({ status: fc.constant('executed' as const), output: fc.jsonValue() }),
          fc.record({ status: fc.constant('failed' as const), error: fc.string() }),
        ),
        (epoch, result) => {
          const withEpoch = epoch === undefined ? {} : { epoch };
          expect(decodeAck(encodeAck(withEpoch))).toEqual({ ok: true, value: withEpoch });
          const decoded = decodeResult(encodeResult({ ...result, ...withEpoch }));
          expect(decoded).toEqual({
            ok: true,
            // JSON has no -0: it comes back as 0.
            value: { ...JSON.parse(JSON.stringify(result)), ...withEpoch, ignoredFields: [] },
          });
        },
      ),
    );
  });

  it.each(BAD_EPOCHS)('refuses an ack or a result with epoch %j as bad_shape', (epoch) => {
    expect(decodeAck(json({ epoch }))).toMatchObject({ ok: false, reason: 'bad_shape' });
    expect(decodeResult(json({ status: 'executed', epoch }))).toMatchObject({
      ok: false,
      reason: 'bad_shape',
    });
  });

  it('refuses to encode an output JSON cannot carry', () => {
    expect(() => encodeResult({ status: 'executed', output: { n: 1n } })).toThrow(TypeError);
  });
});
