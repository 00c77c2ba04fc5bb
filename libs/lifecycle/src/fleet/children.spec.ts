/** Deterministic child ids, their retries, and the reason a waiting child is cancelled with. */
import { describe, it, expect } from '@jest/globals';
import { attemptId, uuidV5 } from '../identity.js';
import { isUuid } from '../patterns.js';
import { childCancelReason, childCommandOf, fleetChildId, lastMarkChildren } from './children.js';
import { decideFleet } from './decide-fleet.js';
import { evolveFleet, foldFleet } from './fleet.js';
import { EMPTY_TALLY } from './progress.js';
import { FLEET_ID, REQUEST, at, ev, iso } from './testing/fleet-fixtures.js';

describe('fleetChildId', () => {
  it('is a UUIDv5, the same for the same fleet and device, whatever the fleet id case', () => {
    const id = fleetChildId(FLEET_ID, 'pump-1');
    expect(isUuid(id)).toBe(true);
    expect(id[14]).toBe('5');
    expect(fleetChildId(FLEET_ID.toUpperCase(), 'pump-1')).toBe(id);
    expect(id).toBe(uuidV5(`${FLEET_ID}/device/pump-1`));
  });
  it('differs per device (device ids are case-sensitive) and per fleet', () => {
    const ids = new Set([
      fleetChildId(FLEET_ID, 'pump-1'),
      fleetChildId(FLEET_ID, 'Pump-1'),
      fleetChildId(FLEET_ID, 'pump-2'),
      fleetChildId('1b6a4b8e-2c1d-4f3a-9e5b-7d8c9a0b1c2d', 'pump-1'),
    ]);
    expect(ids.size).toBe(4);
  });
  it("a child's retries derive from the child's id as any command's do", () => {
    const child = childCommandOf(foldFleet([ev.requested()])!, 'pump-1', iso(5));
    expect(child.rootCommandId).toBe(child.commandId);
    expect(attemptId(child.rootCommandId, 2)).not.toBe(child.commandId);
  });
  it('two children of one fleet have different fingerprints; the same child the same', () => {
    const fleet = foldFleet([ev.requested()])!;
    const a = childCommandOf(fleet, 'pump-1', iso(5));
    expect(childCommandOf(fleet, 'pump-1', iso(9)).fingerprint).toBe(a.fingerprint);
    expect(childCommandOf(fleet, 'pump-2', iso(5)).fingerprint).not.toBe(a.fingerprint);
  });
});

describe('childCancelReason', () => {
  it('fleet_aborted, fleet_cancelled, else none', () => {
    expect(childCancelReason('aborted')).toBe('fleet_aborted');
    expect(childCancelReason('cancelled')).toBe('fleet_cancelled');
    expect(childCancelReason('completed')).toBeNull();
    expect(childCancelReason('paused')).toBeNull();
    expect(childCancelReason('rolling_out')).toBeNull();
  });
});

describe('lastMarkChildren: the repair after a crash between the mark and its children', () => {
  const decideAndFold = (
    given: ReturnType<typeof ev.requested>[],
    next: { deviceId: string; groupRevision: number }[],
  ) => {
    const before = foldFleet(given)!;
    const d = decideFleet(
      { kind: 'roll_out', progress: { tally: EMPTY_TALLY }, next, maxBatch: 2 },
      before,
      at(7_000),
    );
    if (d.outcome !== 'append') throw new Error(`expected an append, got ${d.outcome}`);
    return { d, after: d.events.reduce(evolveFleet, before) };
  };
  it('re-creates exactly what the step created (deviceIds target)', () => {
    const { d, after } = decideAndFold([ev.requested(), ev.created(0, 1, 0)], []);
    expect(d.children.map((c) => c.deviceId)).toEqual(['pump-2']); // 1 open of at most 2
    expect(lastMarkChildren(after, [])).toEqual(d.children);
  });
  it('re-creates exactly what the step created (group target, from the refs after the cursor)', () => {
    const group = { ...REQUEST, target: { group: 'g', continuous: false } };
    const refs = ['a', 'b', 'c'].map((deviceId) => ({ deviceId, groupRevision: 4 }));
    const { d, after } = decideAndFold(
      [ev.requested(group, { targets: 3, groupRevision: 4 })],
      refs,
    );
    expect(after.lastMark).toEqual({ fromIndex: 0, count: 2, after: null, at: iso(7_000) });
    expect(lastMarkChildren(after, refs)).toEqual(d.children);
  });
  it('nothing before the first mark', () => {
    expect(lastMarkChildren(foldFleet([ev.requested()])!, [])).toEqual([]);
  });
});
