/** The rollout step by examples: caps, rate, batches, completion, abort, groups and continuity. */
import { describe, it, expect } from '@jest/globals';
import { type FleetEvent, type FleetState, foldFleet } from './fleet.js';
import type { FleetRequest } from './fleet-request.js';
import { decideFleet } from './decide-fleet.js';
import { EMPTY_TALLY } from './progress.js';
import { planRollout } from './rollout.js';
import { REQUEST, at, ev, tally } from './testing/fleet-fixtures.js';

const ms = (n: number): number => at(n).getTime();

const TEN: FleetRequest = {
  ...REQUEST,
  target: { deviceIds: Array.from({ length: 10 }, (_, i) => `pump-${i + 1}`) },
  rollout: { perMinute: null, maxInFlight: 4 },
  abort: null,
};
const fleet = (request: FleetRequest, ...more: FleetEvent[]): FleetState =>
  foldFleet([ev.requested(request), ...more])!;

describe('maxInFlight', () => {
  it('creates up to the cap, then waits for children to end', () => {
    expect(planRollout(fleet(TEN), { tally: EMPTY_TALLY }, 0, 100)).toEqual({
      kind: 'create',
      fromIndex: 0,
      count: 4,
    });
    const four = fleet(TEN, ev.created(0, 4, 0));
    expect(planRollout(four, { tally: EMPTY_TALLY }, 0, 100)).toEqual({
      kind: 'wait',
      reason: 'in_flight_full',
      nextAt: null,
    });
    expect(planRollout(four, { tally: tally({ executed: 1, failed: 2 }) }, 0, 100)).toEqual({
      kind: 'create',
      fromIndex: 4,
      count: 3,
    });
  });
  it('never more per append than maxBatch', () => {
    const wide = { ...TEN, rollout: { perMinute: null, maxInFlight: null } };
    expect(planRollout(fleet(wide), { tally: EMPTY_TALLY }, 0, 3)).toMatchObject({ count: 3 });
  });
});

describe('perMinute', () => {
  const RATED = { ...TEN, rollout: { perMinute: 60, maxInFlight: null } };
  it('one child a second: waits until the next slot, and says when', () => {
    const one = fleet(RATED, ev.created(0, 1, 0));
    expect(planRollout(one, { tally: EMPTY_TALLY }, ms(400), 100)).toEqual({
      kind: 'wait',
      reason: 'rate_limited',
      nextAt: ms(1_000),
    });
    expect(planRollout(one, { tally: EMPTY_TALLY }, ms(1_000), 100)).toEqual({
      kind: 'create',
      fromIndex: 1,
      count: 1,
    });
  });
});

describe('completion', () => {
  const ALL = [ev.created(0, 4, 0), ev.created(4, 4, 0), ev.created(8, 2, 0)];
  it('when every target has a final child', () => {
    const done = tally({ executed: 9, expired: 1 });
    expect(planRollout(fleet(TEN, ...ALL), { tally: done }, 0, 100)).toEqual({
      kind: 'complete',
      outcomes: done.outcomes,
    });
  });
  it('not while one is open', () => {
    expect(
      planRollout(fleet(TEN, ...ALL), { tally: tally({ executed: 9 }) }, 0, 100),
    ).toMatchObject({
      kind: 'wait',
      reason: 'all_created',
    });
  });
  it('even while paused', () => {
    const paused = fleet(TEN, ...ALL, ev.paused());
    expect(planRollout(paused, { tally: tally({ executed: 10 }) }, 0, 100)).toMatchObject({
      kind: 'complete',
    });
  });
  it('never while continuous: new members may still come', () => {
    const group: FleetRequest = { ...TEN, target: { group: 'g', continuous: true } };
    const f = fleet(group, ev.created(0, 2, 0));
    expect(f.targets).toBe(0); // the fixture's group snapshot is empty
    expect(planRollout(f, { tally: tally({ executed: 2 }) }, 0, 100)).toMatchObject({
      kind: 'wait',
      reason: 'all_created',
    });
  });
});

describe('abort', () => {
  const GUARDED = { ...TEN, abort: { afterCompleted: 4, maxFailureRatio: 0.25 } };
  it('at the crossing the tally recorded, even if the share has fallen since', () => {
    const t = tally({ failed: 2, executed: 6 }, { terminal: 4, failures: 2 });
    expect(planRollout(fleet(GUARDED, ev.created(0, 4, 0)), { tally: t }, 0, 100)).toEqual({
      kind: 'abort',
      terminal: 4,
      failures: 2,
    });
  });
  it('from the counts when the tally keeps no crossing', () => {
    const t = tally({ timed_out: 2, executed: 2 });
    expect(planRollout(fleet(GUARDED, ev.created(0, 4, 0)), { tally: t }, 0, 100)).toEqual({
      kind: 'abort',
      terminal: 4,
      failures: 2,
    });
  });
  it('wins over completion when both hold (the crossing came first)', () => {
    const all = [ev.created(0, 4, 0), ev.created(4, 4, 0), ev.created(8, 2, 0)];
    const t = tally({ failed: 5, executed: 5 });
    expect(planRollout(fleet(GUARDED, ...all), { tally: t }, 0, 100)).toMatchObject({
      kind: 'abort',
    });
  });
});

describe('a group target', () => {
  const GROUP: FleetRequest = { ...TEN, target: { group: 'pumps', continuous: false } };
  const snapshot = { targets: 3, groupRevision: 7 };
  const f = foldFleet([ev.requested(GROUP, snapshot)])!;
  const refs = ['a', 'b', 'c'].map((deviceId) => ({ deviceId, groupRevision: 7 }));
  it('creates the children of the targets read after the cursor; the mark keeps the last', () => {
    const d = decideFleet(
      { kind: 'roll_out', progress: { tally: EMPTY_TALLY }, next: refs, maxBatch: 2 },
      f,
      new Date(0),
    );
    expect(d).toMatchObject({
      outcome: 'append',
      events: [
        { type: 'FleetChildrenCreated', data: { fromIndex: 0, count: 2, through: refs[1] } },
      ],
    });
    if (d.outcome === 'append') expect(d.children.map((c) => c.deviceId)).toEqual(['a', 'b']);
  });
  it('nothing read yet: unchanged targets_unread', () => {
    const d = decideFleet(
      { kind: 'roll_out', progress: { tally: EMPTY_TALLY }, next: [], maxBatch: 2 },
      f,
      new Date(0),
    );
    expect(d).toEqual({ outcome: 'unchanged', reason: 'targets_unread', nextAt: null });
  });
  it('continuous: members added since the snapshot are targets too', () => {
    const cont = foldFleet([
      ev.requested({ ...GROUP, target: { group: 'pumps', continuous: true } }, snapshot),
      ev.created(0, 3, 0, refs[2]),
    ])!;
    expect(planRollout(cont, { tally: EMPTY_TALLY, knownTargets: 5 }, 0, 100)).toEqual({
      kind: 'create',
      fromIndex: 3,
      count: 1, // maxInFlight 4, 3 open
    });
  });
});
