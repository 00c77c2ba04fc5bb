/**
 * The chaos checker's fleet rules on small logs written by hand: a clean rollout passes, and
 * each rule fails on the log that breaks it (so none of them can pass vacuously).
 */
import { describe, expect, it } from '@jest/globals';
import type { Position, RecordedEvent } from '@ratchet/event-store';
import {
  type FleetRequestedData,
  childCommandOf,
  fleetChildId,
  fleetFingerprint,
  foldFleet,
  withFleetDefaults,
} from '@ratchet/lifecycle';
import { checkFleets } from './chaos/check/fleet-checks.js';
import type { Violation } from './chaos/check/violation.js';

const FLEET = '11111111-1111-4111-8111-111111111111';
const at = (s: number) => new Date(Date.parse('2026-03-01T12:00:00Z') + s * 1000).toISOString();

const request = withFleetDefaults(
  {
    target: { deviceIds: ['d1', 'd2', 'd3'] },
    name: 'x',
    rollout: { maxInFlight: 1 },
    abort: { afterCompleted: 1, maxFailureRatio: 0.5 },
  },
  { ackTimeoutMs: 1000, timeoutMs: 1000, expiresInMs: 10_000 },
);
const requested: FleetRequestedData = {
  fleetCommandId: FLEET,
  request,
  fingerprint: fleetFingerprint(request),
  requestedAt: at(0),
  issuedBy: 'ops',
  targets: 3,
  groupRevision: null,
};
const state = foldFleet([{ type: 'FleetCommandRequested', data: requested }])!;

/** A log as [stream, type, data] in commit order; revisions per stream, positions rising. */
const logOf = (entries: [string, string, Record<string, unknown>][]): RecordedEvent[] => {
  const revisions = new Map<string, bigint>();
  return entries.map(([stream, type, data], i) => {
    const revision = (revisions.get(stream) ?? -1n) + 1n;
    revisions.set(stream, revision);
    return {
      stream,
      revision,
      id: `${i}`,
      type,
      data,
      metadata: {},
      recordedAt: new Date(),
      position: String(i).padStart(8, '0') as Position,
    };
  });
};
const fleet = `fleet-${FLEET}`;
const child = (device: string) => `command-${fleetChildId(FLEET, device)}`;
const mark = (
  from: number,
  device: string,
  s: number,
): [string, string, Record<string, unknown>] => [
  fleet,
  'FleetChildrenCreated',
  { fromIndex: from, count: 1, through: { deviceId: device, groupRevision: null }, at: at(s) },
];
const req = (device: string, s: number): [string, string, Record<string, unknown>] => [
  child(device),
  'CommandRequested',
  { ...childCommandOf(state, device, at(s)) },
];
const done = (
  device: string,
  type = 'CommandExecuted',
): [string, string, Record<string, unknown>] => [child(device), type, { at: at(9), error: null }];
const START: [string, string, Record<string, unknown>] = [
  fleet,
  'FleetCommandRequested',
  { ...requested },
];

const check = (entries: [string, string, Record<string, unknown>][]): string[] => {
  const found: Violation[] = [];
  checkFleets(logOf(entries), found);
  return found.map((v) => v.kind);
};

describe('chaos checker: fleet rules', () => {
  it('passes a clean rollout: one open at a time, every child announced, completed', () => {
    expect(
      check([
        START,
        mark(0, 'd1', 1),
        req('d1', 1),
        done('d1'),
        mark(1, 'd2', 2),
        req('d2', 2),
        done('d2'),
        mark(2, 'd3', 3),
        req('d3', 3),
        done('d3'),
        [fleet, 'FleetCommandCompleted', { at: at(4), outcomes: {} }],
      ]),
    ).toEqual([]);
  });

  it('finds each broken rule', () => {
    // Two open at once with maxInFlight 1.
    expect(check([START, mark(0, 'd1', 1), req('d1', 1), mark(1, 'd2', 2), req('d2', 2)])).toEqual([
      'fleet-in-flight-exceeded',
    ]);
    // A child the marks never announced.
    expect(check([START, mark(0, 'd1', 1), req('d1', 1), done('d1'), req('d2', 2)])).toEqual([
      'fleet-children-count',
    ]);
    // A child created after the cancel committed.
    expect(
      check([
        START,
        mark(0, 'd1', 1),
        [fleet, 'FleetCommandCancelled', { at: at(2), by: 'ops' }],
        req('d1', 1),
      ]),
    ).toEqual(['fleet-child-after-end']);
    // A terminal fleet left (resumed after cancel): its stream does not fold.
    expect(
      check([
        START,
        [fleet, 'FleetCommandCancelled', { at: at(2), by: 'ops' }],
        [fleet, 'FleetCommandResumed', { at: at(3), by: 'ops' }],
      ]),
    ).toEqual(['fleet-stream-illegal']);
    // An abort whose counts are not the first crossing (1 final, 1 failed).
    expect(
      check([
        START,
        mark(0, 'd1', 1),
        req('d1', 1),
        done('d1', 'CommandFailed'),
        [fleet, 'FleetCommandAborted', { at: at(5), terminal: 2, failures: 2 }],
      ]),
    ).toEqual(['fleet-abort-counts']);
  });
});
