import { describe, expect, it } from '@jest/globals';
import { emptyStats } from '../device/device-stats.js';
import type { PresenceKind } from '../device/sim-event.js';
import { formatEvent, formatStats } from './format-event.js';

const AT = new Date('2030-01-01T12:34:56.789Z');
const ID = '0b7e2f0e-3c1a-4f55-9a57-1b0c2d3e4f50';
const intent = {
  commandId: ID,
  name: 'set-speed',
  payload: {},
  attempt: 1,
  issuedAt: '',
  expiresAt: '',
  expiresAtMs: 0,
};

describe('formatEvent', () => {
  it('prints one line per command: time, device, command, name, answer', () => {
    const line = formatEvent(
      { type: 'intent', deviceId: 'pump-1', intent, duplicate: false, plan: { outcome: 'silent' } },
      AT,
    );
    expect(line).toBe(`12:34:56.789  pump-1  ${ID}  set-speed (attempt 1)  silent: no answer`);
  });

  it('says when an intent was redelivered, and when old answers were replayed', () => {
    const again = formatEvent(
      { type: 'intent', deviceId: 'pump-1', intent, duplicate: true, plan: { outcome: 'silent' } },
      AT,
    );
    expect(again).toContain('redelivered, repeats: silent');
    expect(formatEvent({ type: 'replay', deviceId: 'pump-1', count: 2 }, AT)).toBe(
      '12:34:56.789  pump-1  replayed 2 old answers after a reconnect',
    );
  });

  it("prints presence: births, departures and lies, for a device or a connection's group", () => {
    const presence = (kind: PresenceKind, online: boolean, deviceIds = ['pump-1']) =>
      formatEvent({ type: 'presence', connection: 0, deviceIds, kind, online, epoch: 12 }, AT);
    expect(presence('birth', true)).toBe('12:34:56.789  pump-1  birth: online at epoch 12');
    expect(presence('dropped', false)).toBe(
      '12:34:56.789  pump-1  dropped without a goodbye, the broker sends the will: offline at epoch 12',
    );
    expect(presence('stale-will', false, ['pump-1', 'pump-2', 'pump-3'])).toBe(
      '12:34:56.789  pump-1 … pump-3 (3)  stale will, an older session says offline at epoch 12',
    );
  });

  it('leaves going offline to the MQTT logger', () => {
    expect(
      formatEvent({ type: 'connection', connection: 0, state: 'offline' }, AT),
    ).toBeUndefined();
  });
});

describe('formatStats', () => {
  it('prints totals with the seed, and small fleets device by device', () => {
    const d = { ...emptyStats(), intentsReceived: 2, acksSent: 2 };
    const text = formatStats({ seed: 42, total: d, devices: { 'pump-1': d } });
    expect(text).toContain('seed 42, 1 devices');
    expect(text).toMatch(/acks sent\s+2/);
    expect(text).toContain('pump-1: intents received 2, acks sent 2');
  });
});
