import { describe, expect, it } from '@jest/globals';
import { encodeIntent } from '@ratchet/mqtt';
import { decodeIntent, parseIntentTopic } from './intent-message.js';

const ID = '0b7e2f0e-3c1a-4f55-9a57-1b0c2d3e4f50';
const intent = {
  commandId: ID,
  name: 'set-speed',
  payload: { rpm: 1200 },
  attempt: 1,
  issuedAt: '2030-01-01T00:00:00.000Z',
  expiresAt: '2030-01-01T00:05:00.000Z',
};

describe('parseIntentTopic', () => {
  it('reads the device and command ids of an intent topic', () => {
    expect(parseIntentTopic(`devices/pump-1/commands/${ID}`)).toEqual({
      deviceId: 'pump-1',
      commandId: ID,
    });
  });

  it('refuses acks, results and foreign topics', () => {
    expect(parseIntentTopic(`devices/pump-1/commands/${ID}/ack`)).toBeUndefined();
    expect(parseIntentTopic(`things/pump-1/commands/${ID}`)).toBeUndefined();
  });
});

describe('decodeIntent', () => {
  it("decodes what the ledger's encoder writes", () => {
    const d = decodeIntent(ID, encodeIntent(intent));
    expect(d).toEqual({
      ok: true,
      intent: { ...intent, expiresAtMs: Date.parse(intent.expiresAt) },
    });
  });

  it.each([
    ['not JSON', '{', 'payload is not JSON'],
    ['an array', '[]', 'not a JSON object'],
    ['a bad id', JSON.stringify({ ...intent, commandId: 'x' }), 'commandId is not a UUID'],
    ['no name', JSON.stringify({ ...intent, name: 3 }), 'name is not a string'],
    ['a bad expiry', JSON.stringify({ ...intent, expiresAt: 'soon' }), 'expiresAt is not a date'],
  ])('rejects %s', (_what, payload, reason) => {
    expect(decodeIntent(ID, payload)).toEqual({ ok: false, reason });
  });

  it('rejects an intent whose commandId is not the one in its topic', () => {
    const other = '1b7e2f0e-3c1a-4f55-9a57-1b0c2d3e4f50';
    expect(decodeIntent(other, encodeIntent(intent))).toEqual({
      ok: false,
      reason: 'commandId differs from the topic',
    });
  });
});
