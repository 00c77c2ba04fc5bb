/** Fixtures for the fleet specs: one fleet, fixed times, events built by name. */
import type { FleetEvent, FleetRequestedData, TargetRef } from '../fleet.js';
import { type FleetRequest, fleetFingerprint } from '../fleet-request.js';
import { EMPTY_TALLY, type FleetTally, type OutcomeCounts } from '../progress.js';

export const T0 = new Date('2026-03-01T00:00:00.000Z');
export const at = (ms: number): Date => new Date(T0.getTime() + ms);
export const iso = (ms: number): string => at(ms).toISOString();

export const FLEET_ID = '0b6a4b8e-2c1d-4f3a-9e5b-7d8c9a0b1c2d';

export const REQUEST: FleetRequest = {
  target: { deviceIds: ['pump-1', 'pump-2', 'pump-3'] },
  name: 'update-firmware',
  payload: { version: '2.4.1' },
  ackTimeoutMs: 30_000,
  timeoutMs: 600_000,
  expiresInMs: 86_400_000,
  retry: { maxAttempts: 2, on: ['timed_out'] },
  delivery: 'when_online',
  queue: { key: 'firmware', supersede: false },
  rollout: { perMinute: null, maxInFlight: 2 },
  abort: { afterCompleted: 2, maxFailureRatio: 0.5 },
};

export function requestedData(
  request: FleetRequest = REQUEST,
  extra: Partial<FleetRequestedData> = {},
): FleetRequestedData {
  const target = request.target;
  return {
    fleetCommandId: FLEET_ID,
    request,
    fingerprint: fleetFingerprint(request),
    requestedAt: iso(0),
    issuedBy: 'ops',
    targets: 'deviceIds' in target ? target.deviceIds.length : 0,
    groupRevision: 'deviceIds' in target ? null : 0,
    ...extra,
  };
}

export const ev = {
  requested: (
    request: FleetRequest = REQUEST,
    extra: Partial<FleetRequestedData> = {},
  ): FleetEvent => ({
    type: 'FleetCommandRequested',
    data: requestedData(request, extra),
  }),
  created: (fromIndex: number, count: number, ms: number, through?: TargetRef): FleetEvent => ({
    type: 'FleetChildrenCreated',
    data: {
      fromIndex,
      count,
      through: through ?? { deviceId: `pump-${fromIndex + count}`, groupRevision: null },
      at: iso(ms),
    },
  }),
  paused: (ms = 1_000): FleetEvent => ({
    type: 'FleetCommandPaused',
    data: { at: iso(ms), by: 'ops' },
  }),
  resumed: (ms = 2_000): FleetEvent => ({
    type: 'FleetCommandResumed',
    data: { at: iso(ms), by: 'ops' },
  }),
  cancelled: (ms = 3_000): FleetEvent => ({
    type: 'FleetCommandCancelled',
    data: { at: iso(ms), by: 'ops' },
  }),
  aborted: (terminal: number, failures: number, ms = 3_000): FleetEvent => ({
    type: 'FleetCommandAborted',
    data: { at: iso(ms), terminal, failures },
  }),
  completed: (outcomes: OutcomeCounts, ms = 3_000): FleetEvent => ({
    type: 'FleetCommandCompleted',
    data: { at: iso(ms), outcomes },
  }),
};

export const tally = (
  outcomes: Partial<OutcomeCounts> = {},
  crossed: FleetTally['crossed'] = null,
): FleetTally => ({ outcomes: { ...EMPTY_TALLY.outcomes, ...outcomes }, crossed });
