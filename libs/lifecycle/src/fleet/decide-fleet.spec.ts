/**
 * The fleet decider, cell by cell: given the events of each status, when each input, then the
 * events it appends, or why nothing changes, or the rejection (CONTRACT.md section 6 and the
 * fleet rows of section 2, written out here, not computed from FLEET_TRANSITIONS).
 *
 * The fleet: pump-1..3, at most 2 in flight, no rate, abort after 2 terminal above a 0.5 share.
 */
import { describe, it, expect } from '@jest/globals';
import { type FleetEvent, type FleetEventType, type FleetStatus, foldFleet } from './fleet.js';
import { type FleetDecision, type FleetInput, decideFleet } from './decide-fleet.js';
import { fleetChildId } from './children.js';
import { EMPTY_TALLY } from './progress.js';
import { FLEET_ID, REQUEST, at, ev, iso, requestedData, tally } from './testing/fleet-fixtures.js';

const NOW_MS = 10_000;
const NOW = at(NOW_MS);

type Case =
  'issue_same' | 'issue_other' | 'pause' | 'resume' | 'cancel' | 'roll_out' | 'roll_out_crossed';
type Then =
  | { readonly append: readonly FleetEventType[]; readonly children: number }
  | { readonly unchanged: string }
  | { readonly rejected: string };

const INPUTS: Record<Case, FleetInput> = {
  issue_same: { kind: 'issue', fleet: requestedData() },
  issue_other: { kind: 'issue', fleet: requestedData({ ...REQUEST, payload: { version: '3' } }) },
  pause: { kind: 'pause', by: 'ops' },
  resume: { kind: 'resume', by: 'ops' },
  cancel: { kind: 'cancel', by: 'ops' },
  roll_out: { kind: 'roll_out', progress: { tally: EMPTY_TALLY }, next: [], maxBatch: 100 },
  roll_out_crossed: {
    kind: 'roll_out',
    progress: { tally: tally({ failed: 2 }, { terminal: 2, failures: 2 }) },
    next: [],
    maxBatch: 100,
  },
};

const GIVEN: Record<FleetStatus | 'none', FleetEvent[]> = {
  none: [],
  rolling_out: [ev.requested()],
  paused: [ev.requested(), ev.paused()],
  completed: [
    ev.requested(),
    ev.created(0, 2, 500),
    ev.created(2, 1, 900),
    ev.completed({ ...EMPTY_TALLY.outcomes, executed: 3 }),
  ],
  aborted: [ev.requested(), ev.created(0, 2, 500), ev.aborted(2, 2)],
  cancelled: [ev.requested(), ev.cancelled()],
};

const ended: Then = { unchanged: 'ended' };
const THEN: Record<FleetStatus | 'none', Record<Case, Then>> = {
  none: {
    issue_same: { append: ['FleetCommandRequested'], children: 0 },
    issue_other: { append: ['FleetCommandRequested'], children: 0 },
    pause: { unchanged: 'not_found' },
    resume: { unchanged: 'not_found' },
    cancel: { unchanged: 'not_found' },
    roll_out: { unchanged: 'not_found' },
    roll_out_crossed: { unchanged: 'not_found' },
  },
  rolling_out: {
    issue_same: { unchanged: 'duplicate' },
    issue_other: { rejected: 'id_conflict' },
    pause: { append: ['FleetCommandPaused'], children: 0 },
    resume: { unchanged: 'duplicate' },
    cancel: { append: ['FleetCommandCancelled'], children: 0 },
    roll_out: { append: ['FleetChildrenCreated'], children: 2 },
    roll_out_crossed: { append: ['FleetCommandAborted'], children: 0 },
  },
  paused: {
    issue_same: { unchanged: 'duplicate' },
    issue_other: { rejected: 'id_conflict' },
    pause: { unchanged: 'duplicate' },
    resume: { append: ['FleetCommandResumed'], children: 0 },
    cancel: { append: ['FleetCommandCancelled'], children: 0 },
    roll_out: { unchanged: 'paused' },
    roll_out_crossed: { append: ['FleetCommandAborted'], children: 0 },
  },
  completed: {
    issue_same: { unchanged: 'duplicate' },
    issue_other: { rejected: 'id_conflict' },
    pause: { rejected: 'not_pausable' },
    resume: { rejected: 'not_resumable' },
    cancel: { rejected: 'not_cancellable' },
    roll_out: ended,
    roll_out_crossed: ended,
  },
  aborted: {
    issue_same: { unchanged: 'duplicate' },
    issue_other: { rejected: 'id_conflict' },
    pause: { rejected: 'not_pausable' },
    resume: { rejected: 'not_resumable' },
    cancel: { rejected: 'not_cancellable' },
    roll_out: ended,
    roll_out_crossed: ended,
  },
  cancelled: {
    issue_same: { unchanged: 'duplicate' },
    issue_other: { rejected: 'id_conflict' },
    pause: { rejected: 'not_pausable' },
    resume: { rejected: 'not_resumable' },
    cancel: { unchanged: 'duplicate' },
    roll_out: ended,
    roll_out_crossed: ended,
  },
};

const summary = (d: FleetDecision): Then => {
  switch (d.outcome) {
    case 'append':
      return { append: d.events.map((e) => e.type), children: d.children.length };
    case 'unchanged':
      return { unchanged: d.reason };
    case 'rejected':
      return { rejected: d.code };
  }
};

for (const [status, given] of Object.entries(GIVEN) as [FleetStatus | 'none', FleetEvent[]][]) {
  describe(`given a fleet command ${status === 'none' ? 'that does not exist' : status}`, () => {
    const state = foldFleet(given);
    it('folds to that status', () => {
      expect(state?.status ?? 'none').toBe(status);
    });
    for (const [c, input] of Object.entries(INPUTS) as [Case, FleetInput][]) {
      it(`when ${c}, then ${JSON.stringify(THEN[status][c])}`, () => {
        const decision = decideFleet(input, state, NOW);
        expect(summary(decision)).toEqual(THEN[status][c]);
        // Whatever is appended is legal after what was given: the table agrees.
        if (decision.outcome === 'append') {
          expect(() => foldFleet([...given, ...decision.events])).not.toThrow();
        }
      });
    }
  });
}

describe('the events in full', () => {
  const rolling = foldFleet([ev.requested()]);
  it('a rollout step: the mark and the children of pump-1 and pump-2, requested at the mark', () => {
    const d = decideFleet(INPUTS.roll_out, rolling, NOW);
    expect(d).toMatchObject({
      outcome: 'append',
      events: [
        {
          type: 'FleetChildrenCreated',
          data: {
            fromIndex: 0,
            count: 2,
            through: { deviceId: 'pump-2', groupRevision: null },
            at: iso(NOW_MS),
          },
        },
      ],
    });
    if (d.outcome !== 'append') throw new Error('unreachable');
    expect(
      d.children.map((c) => [c.commandId, c.deviceId, c.requestedAt, c.fleetCommandId]),
    ).toEqual([
      [fleetChildId(FLEET_ID, 'pump-1'), 'pump-1', iso(NOW_MS), FLEET_ID],
      [fleetChildId(FLEET_ID, 'pump-2'), 'pump-2', iso(NOW_MS), FLEET_ID],
    ]);
    expect(d.children[0]).toMatchObject({
      name: 'update-firmware',
      payload: { version: '2.4.1' },
      retry: { maxAttempts: 2, on: ['timed_out'] },
      attempt: 1,
      retryOf: null,
      rootCommandId: fleetChildId(FLEET_ID, 'pump-1'),
      delivery: 'when_online',
      queue: { key: 'firmware', supersede: false },
    });
  });
  it('an abort records the counts at the crossing, not the counts now', () => {
    const input: FleetInput = {
      kind: 'roll_out',
      progress: { tally: tally({ failed: 2, executed: 1 }, { terminal: 2, failures: 2 }) },
      next: [],
      maxBatch: 10,
    };
    expect(decideFleet(input, rolling, NOW)).toEqual({
      outcome: 'append',
      events: [
        { type: 'FleetCommandAborted', data: { at: iso(NOW_MS), terminal: 2, failures: 2 } },
      ],
      children: [],
    });
  });
  it('pause, resume and cancel record who did it', () => {
    expect(decideFleet({ kind: 'pause', by: 'alice' }, rolling, NOW)).toMatchObject({
      events: [{ type: 'FleetCommandPaused', data: { at: iso(NOW_MS), by: 'alice' } }],
    });
    expect(foldFleet([ev.requested(), ev.cancelled(4_000)])).toMatchObject({
      status: 'cancelled',
      endedAt: iso(4_000),
      endedBy: 'ops',
    });
  });
  it('a rejection names the fleet and its status (the HTTP layer adds the state to its 409)', () => {
    const done = foldFleet(GIVEN.completed);
    expect(decideFleet({ kind: 'cancel', by: 'ops' }, done, NOW)).toEqual({
      outcome: 'rejected',
      code: 'not_cancellable',
      message: `fleet command ${FLEET_ID} is completed: a completed or aborted fleet command cannot be cancelled`,
    });
  });
});
