/**
 * Properties of the rollout over random runs: instances racing on one revision with lagging
 * tallies, children ending in random order and outcome, pauses, resumes, cancels, time passing.
 * The rules are written here from CONTRACT.md section 6, not read from the code under test.
 */
import { describe, it, expect } from '@jest/globals';
import fc from 'fast-check';
import { type ChildOutcome } from './progress.js';
import { type FleetRequest } from './fleet-request.js';
import { type FleetEvent, foldFleet } from './fleet.js';
import { revisionEventId } from '../identity.js';
import { REQUEST } from './testing/fleet-fixtures.js';
import { FleetWorld } from './testing/fleet-world.js';

const OUTCOMES: ChildOutcome[] = ['executed', 'failed', 'timed_out', 'cancelled', 'expired'];
const TERMINAL = new Set(['FleetCommandCompleted', 'FleetCommandAborted', 'FleetCommandCancelled']);

const requestArb: fc.Arbitrary<FleetRequest> = fc
  .record({
    targets: fc.integer({ min: 0, max: 150 }),
    perMinute: fc.oneof(
      fc.constant(null),
      fc.integer({ min: 1, max: 70 }),
      fc.integer({ min: 61, max: 400 }),
    ),
    maxInFlight: fc.oneof(fc.constant(null), fc.integer({ min: 1, max: 40 })),
    abort: fc.oneof(
      fc.constant(null),
      fc.record({
        afterCompleted: fc.integer({ min: 0, max: 30 }),
        maxFailureRatio: fc.constantFrom(0, 0.1, 0.25, 1 / 3, 0.5, 0.9),
      }),
    ),
  })
  .map(({ targets, perMinute, maxInFlight, abort }) => ({
    ...REQUEST,
    target: { deviceIds: Array.from({ length: targets }, (_, i) => `d-${i}`) },
    rollout: { perMinute, maxInFlight },
    abort,
  }));

type Action =
  | { kind: 'tick'; ms: number }
  | {
      kind: 'step';
      lag: number;
      maxBatch: number;
      racer: { lag: number; dt: number; first: boolean } | null;
    }
  | { kind: 'finish'; pick: number; outcome: ChildOutcome }
  | { kind: 'control'; what: 'pause' | 'resume' | 'cancel' };
const tick = (max: number) =>
  fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 0, max }) });
const step = fc.record({
  kind: fc.constant('step' as const),
  lag: fc.nat(4),
  maxBatch: fc.integer({ min: 1, max: 12 }),
  racer: fc.option(fc.record({ lag: fc.nat(4), dt: fc.nat(300), first: fc.boolean() })),
});
const finish = fc.record({
  kind: fc.constant('finish' as const),
  pick: fc.nat(50),
  outcome: fc.constantFrom(...OUTCOMES),
});
const control = fc.record({
  kind: fc.constant('control' as const),
  what: fc.constantFrom('pause' as const, 'resume' as const, 'resume' as const),
});
const actionArb: fc.Arbitrary<Action> = fc.oneof(
  { arbitrary: tick(3_000), weight: 4 },
  { arbitrary: step, weight: 6 },
  { arbitrary: finish, weight: 5 },
  { arbitrary: control, weight: 1 },
);

/** A busy rollout for the rate: many targets, fast rates, no cap, no abort, no pause. */
const busyArb = fc.tuple(
  fc.integer({ min: 1, max: 600 }).map((perMinute): FleetRequest => ({
    ...REQUEST,
    target: { deviceIds: Array.from({ length: 400 }, (_, i) => `d-${i}`) },
    rollout: { perMinute, maxInFlight: null },
    abort: null,
  })),
  fc.array(fc.oneof(tick(400), step), { minLength: 50, maxLength: 300, size: 'max' }),
);

function run(request: FleetRequest, actions: readonly Action[]): FleetWorld {
  const w = new FleetWorld(request);
  for (const a of actions) {
    switch (a.kind) {
      case 'tick':
        w.nowMs += a.ms;
        break;
      case 'finish':
        w.finishOne(a.pick, a.outcome);
        break;
      case 'control': {
        const on = w.cached.revision;
        w.tryCommit(on, w.decide({ kind: a.what, by: 'ops' }), null);
        break;
      }
      case 'step': {
        const on = w.cached.revision;
        const mine = {
          d: w.decide(w.rollOutInput(a.lag, a.maxBatch)),
          tally: w.tallyLagging(a.lag),
        };
        if (!a.racer) {
          w.tryCommit(on, mine.d, mine.tally);
          break;
        }
        // Another instance decides on the same revision, a little later, with its own lag.
        const theirs = {
          d: w.decide(w.rollOutInput(a.racer.lag, a.maxBatch), a.racer.dt),
          tally: w.tallyLagging(a.racer.lag),
        };
        const [one, two] = a.racer.first ? [theirs, mine] : [mine, theirs];
        const committed = w.tryCommit(on, one.d, one.tally);
        const second = w.tryCommit(on, two.d, two.tally);
        // Of two appends decided on one revision, at most one commits.
        expect(committed && second).toBe(false);
        break;
      }
    }
  }
  return w;
}

/** Half of the runs are cancelled somewhere along the way. */
const runs = fc
  .tuple(
    requestArb,
    fc.array(actionArb, { maxLength: 250, size: 'max' }),
    fc.option(fc.nat(250), { freq: 2 }),
  )
  .map(([request, actions, cancelAt]): [FleetRequest, Action[]] => {
    if (cancelAt === null) return [request, actions];
    const cancel: Action = { kind: 'control', what: 'cancel' };
    return [request, [...actions.slice(0, cancelAt), cancel, ...actions.slice(cancelAt)]];
  });
const PARAMS = { numRuns: 200 };

describe('the rollout under racing instances and lagging progress', () => {
  it('never more than maxInFlight children open at once', () => {
    fc.assert(
      fc.property(runs, ([request, actions]) => {
        const w = run(request, actions);
        const cap = request.rollout.maxInFlight;
        if (cap !== null) expect(w.maxOpenSeen).toBeLessThanOrEqual(cap);
      }),
      PARAMS,
    );
  });

  it('never more than perMinute children in any 60 s, nor more than the burst plus the rate in any span', () => {
    fc.assert(
      fc.property(fc.oneof(runs, busyArb), ([request, actions]) => {
        const pm = request.rollout.perMinute;
        if (pm === null) return;
        // Creation times in order (non-decreasing), from the first: small exact integers.
        const t = run(request, actions).childTimes.map((x, _, all) => x - all[0]!);
        const burst = Math.max(1, Math.ceil(pm / 60));
        const r = pm - burst + 1;
        // Any 60 s: at most perMinute (two pointers over the sorted times).
        for (let j = 0, i = 0; j < t.length; j += 1) {
          while (t[j]! - t[i]! >= 60_000) i += 1;
          expect(j - i + 1).toBeLessThanOrEqual(pm);
        }
        // Any span S holding n children: (n − burst) · 60,000 ≤ S · r, i.e. for every j,
        // (j + 1) · 60,000 − t_j · r + max over i ≤ j of (t_i · r − i · 60,000) ≤ burst · 60,000.
        let best = -Infinity;
        t.forEach((tj, j) => {
          best = Math.max(best, tj * r - j * 60_000);
          expect((j + 1) * 60_000 - tj * r + best).toBeLessThanOrEqual(burst * 60_000);
        });
      }),
      PARAMS,
    );
  });

  it('a terminal fleet is never left: no event after completed, aborted or cancelled', () => {
    fc.assert(
      fc.property(runs, ([request, actions]) => {
        const log = run(request, actions).log;
        const end = log.findIndex((e) => TERMINAL.has(e.type));
        if (end >= 0) expect(log.length).toBe(end + 1);
      }),
      PARAMS,
    );
  });

  it('abort: once, at the first crossing in log order, and no child created on a tally past it', () => {
    fc.assert(
      fc.property(runs, ([request, actions]) => {
        const w = run(request, actions);
        const abort = request.abort;
        // The oracle: the first prefix of finals whose share strictly exceeds the ratio.
        let crossing: { terminal: number; failures: number } | null = null;
        let failures = 0;
        w.finals.forEach((o, k) => {
          if (o === 'failed' || o === 'timed_out') failures += 1;
          const terminal = k + 1;
          if (
            !crossing &&
            abort &&
            terminal >= abort.afterCompleted &&
            failures / terminal > abort.maxFailureRatio
          ) {
            crossing = { terminal, failures };
          }
        });
        const aborts = w.commits.filter((c) => c.event.type === 'FleetCommandAborted');
        expect(aborts.length).toBeLessThanOrEqual(1);
        if (aborts[0]) expect(aborts[0].event.data).toMatchObject(crossing!);
        if (!crossing) expect(aborts).toHaveLength(0);
        for (const c of w.commits) {
          if (c.event.type === 'FleetChildrenCreated' || c.event.type === 'FleetCommandCompleted') {
            expect(c.tally!.crossed).toBeNull();
          }
        }
        // Once the tally shows the crossing, a rollout step on a live fleet aborts.
        if (crossing && !TERMINAL.has(w.log.at(-1)!.type)) {
          const d = w.decide(w.rollOutInput(0, 5));
          expect(d).toMatchObject({
            outcome: 'append',
            events: [{ type: 'FleetCommandAborted', data: crossing }],
          });
        }
      }),
      PARAMS,
    );
  });

  it('completed only when every target has a final child; each target one child, in order', () => {
    fc.assert(
      fc.property(runs, ([request, actions]) => {
        const w = run(request, actions);
        const targets = 'deviceIds' in request.target ? request.target.deviceIds.length : 0;
        for (const c of w.commits) {
          if (c.event.type === 'FleetCommandCompleted') expect(c.finalNow).toBe(targets);
        }
        expect(w.childTimes.length).toBeLessThanOrEqual(targets);
        expect(w.childIds.size).toBe(w.childTimes.length);
      }),
      PARAMS,
    );
  });

  it('fold = replay: the state cached append by append is the fold of the stream', () => {
    fc.assert(
      fc.property(runs, ([request, actions]) => {
        const w = run(request, actions);
        expect(foldFleet(w.log)).toEqual(w.cached);
        expect(foldFleet(w.log)!.revision).toBe(BigInt(w.log.length - 1));
      }),
      PARAMS,
    );
  });

  it('two deciders on the same revision with the same inputs propose the same append, ids included', () => {
    fc.assert(
      fc.property(
        runs,
        fc.nat(4),
        fc.integer({ min: 1, max: 8 }),
        ([request, actions], lag, maxBatch) => {
          const w = run(request, actions);
          const a = w.decide(w.rollOutInput(lag, maxBatch));
          const b = w.decide(w.rollOutInput(lag, maxBatch));
          expect(b).toEqual(a);
          const stream = `fleet-${w.cached.fleetCommandId}`;
          const ids = (events: readonly FleetEvent[]) =>
            events.map((_, i) => revisionEventId(stream, w.cached.revision + 1n + BigInt(i)));
          if (a.outcome === 'append' && b.outcome === 'append')
            expect(ids(b.events)).toEqual(ids(a.events));
        },
      ),
      PARAMS,
    );
  });
});
