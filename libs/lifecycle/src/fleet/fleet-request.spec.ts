/** Defaults and the idempotency fingerprint: a body that spells out a default is the same body. */
import { describe, it, expect } from '@jest/globals';
import {
  type FleetCommandBody,
  fleetFingerprint,
  fleetRequestProblems,
  withFleetDefaults,
} from './fleet-request.js';

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

describe('fleetRequestProblems', () => {
  const request = (body: Partial<FleetCommandBody>) =>
    withFleetDefaults({ ...MINIMAL, ...body }, DEFAULTS);
  it('none for a sound request', () => {
    expect(fleetRequestProblems(request({ target: { deviceIds: ['a', 'b'] } }))).toEqual([]);
    expect(
      fleetRequestProblems(request({ rollout: { perMinute: 600, maxInFlight: 200 } })),
    ).toEqual([]);
  });
  it('repeated, too many or no devices', () => {
    expect(fleetRequestProblems(request({ target: { deviceIds: ['a', 'b', 'a'] } }))).toEqual([
      'target.deviceIds repeats a',
    ]);
    expect(fleetRequestProblems(request({ target: { deviceIds: [] } }))).toHaveLength(1);
    const many = Array.from({ length: 10_001 }, (_, i) => `d-${i}`);
    expect(fleetRequestProblems(request({ target: { deviceIds: many } }))[0]).toMatch(
      /at most 10000/,
    );
  });
  it('rates, caps and thresholds out of range', () => {
    expect(
      fleetRequestProblems(
        request({
          rollout: { perMinute: 0, maxInFlight: 1.5 },
          abort: { afterCompleted: 0, maxFailureRatio: 1.2 },
        }),
      ),
    ).toEqual([
      'rollout.perMinute must be an integer ≥ 1',
      'rollout.maxInFlight must be an integer ≥ 1',
      'abort.afterCompleted must be an integer ≥ 1',
      'abort.maxFailureRatio must be between 0 and 1',
    ]);
  });
});
