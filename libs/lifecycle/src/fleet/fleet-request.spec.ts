/** Defaults and the idempotency fingerprint: a body that spells out a default is the same body. */
import { describe, it, expect } from '@jest/globals';
import { type FleetCommandBody, fleetFingerprint, withFleetDefaults } from './fleet-request.js';

const DEFAULTS = { ackTimeoutMs: 10_000, timeoutMs: 60_000, expiresInMs: 300_000 };
const MINIMAL: FleetCommandBody = { target: { group: 'pumps-north' }, name: 'reboot' };

describe('withFleetDefaults', () => {
  it('fills every default', () => {
    expect(withFleetDefaults(MINIMAL, DEFAULTS)).toEqual({
      target: { group: 'pumps-north', continuous: false },
      name: 'reboot',
      payload: {},
      ackTimeoutMs: 10_000,
      timeoutMs: 60_000,
      expiresInMs: 300_000,
      retry: { maxAttempts: 1, on: [] },
      delivery: 'when_online',
      queue: null,
      rollout: { perMinute: null, maxInFlight: null },
      abort: null,
    });
  });
  it('the defaults spelled out, in another key order, give the same fingerprint', () => {
    const spelled: FleetCommandBody = {
      retry: { on: [], maxAttempts: 1 },
      name: 'reboot',
      target: { continuous: false, group: 'pumps-north' },
      payload: {},
      delivery: 'when_online',
      ackTimeoutMs: 10_000,
      timeoutMs: 60_000,
      expiresInMs: 300_000,
      rollout: {},
    };
    expect(fleetFingerprint(withFleetDefaults(spelled, DEFAULTS))).toBe(
      fleetFingerprint(withFleetDefaults(MINIMAL, DEFAULTS)),
    );
  });
  it('retry.on is a set: order and repeats do not matter', () => {
    const a = withFleetDefaults({ ...MINIMAL, retry: { on: ['timed_out', 'failed'] } }, DEFAULTS);
    const b = withFleetDefaults(
      { ...MINIMAL, retry: { on: ['failed', 'timed_out', 'failed'] } },
      DEFAULTS,
    );
    expect(fleetFingerprint(a)).toBe(fleetFingerprint(b));
  });
  it('any real difference is another fingerprint; deviceIds keep their (rollout) order', () => {
    const base = fleetFingerprint(withFleetDefaults(MINIMAL, DEFAULTS));
    expect(
      fleetFingerprint(withFleetDefaults({ ...MINIMAL, rollout: { perMinute: 60 } }, DEFAULTS)),
    ).not.toBe(base);
    expect(
      fleetFingerprint(
        withFleetDefaults(
          { ...MINIMAL, target: { group: 'pumps-north', continuous: true } },
          DEFAULTS,
        ),
      ),
    ).not.toBe(base);
    const ab = withFleetDefaults({ ...MINIMAL, target: { deviceIds: ['a', 'b'] } }, DEFAULTS);
    const ba = withFleetDefaults({ ...MINIMAL, target: { deviceIds: ['b', 'a'] } }, DEFAULTS);
    expect(fleetFingerprint(ab)).not.toBe(fleetFingerprint(ba));
  });
});
