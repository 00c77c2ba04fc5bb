/** evolveFleet: the table's last word on what a fleet stream may hold. */
import { describe, it, expect } from '@jest/globals';
import fc from 'fast-check';
import {
  type FleetEvent,
  IllegalFleetTransitionError,
  evolveFleet,
  fleetIdOfStream,
  fleetStreamOf,
  foldFleet,
} from './fleet.js';
import { EMPTY_TALLY } from './progress.js';
import { FLEET_ID, ev } from './testing/fleet-fixtures.js';

const ANY_EVENT: FleetEvent[] = [
  ev.requested(),
  ev.created(0, 1, 0),
  ev.paused(),
  ev.resumed(),
  ev.cancelled(),
  ev.aborted(1, 1),
  ev.completed(EMPTY_TALLY.outcomes),
];
const ENDINGS: FleetEvent[][] = [
  [ev.requested(), ev.cancelled()],
  [ev.requested(), ev.aborted(2, 2)],
  [ev.requested(), ev.paused(), ev.completed(EMPTY_TALLY.outcomes)],
];

describe('a terminal fleet is never left', () => {
  it('no event of any type folds after completed, aborted or cancelled', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ENDINGS), fc.constantFrom(...ANY_EVENT), (given, next) => {
        expect(() => foldFleet([...given, next])).toThrow(IllegalFleetTransitionError);
      }),
    );
  });
});

describe('progress marks', () => {
  const rolling = foldFleet([ev.requested()]);
  it('must start where the last one ended', () => {
    expect(() => evolveFleet(rolling, ev.created(1, 1, 0))).toThrow(IllegalFleetTransitionError);
    const one = evolveFleet(rolling, ev.created(0, 2, 0));
    expect(one.created).toBe(2);
    expect(() => evolveFleet(one, ev.created(0, 1, 0))).toThrow(IllegalFleetTransitionError);
  });
  it('are not taken while paused, and never empty', () => {
    const paused = foldFleet([ev.requested(), ev.paused()]);
    expect(() => evolveFleet(paused, ev.created(0, 1, 0))).toThrow(IllegalFleetTransitionError);
    expect(() => evolveFleet(rolling, ev.created(0, 0, 0))).toThrow(IllegalFleetTransitionError);
  });
  it('FleetCommandRequested only opens a stream', () => {
    expect(() => evolveFleet(rolling, ev.requested())).toThrow(IllegalFleetTransitionError);
  });
});

describe('stream names', () => {
  it('round-trip', () => {
    expect(fleetIdOfStream(fleetStreamOf(FLEET_ID))).toBe(FLEET_ID);
    expect(fleetIdOfStream(`command-${FLEET_ID}`)).toBeNull();
  });
});
