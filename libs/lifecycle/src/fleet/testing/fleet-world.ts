/**
 * A simulated ledger around the fleet decider, for the property tests: a guarded fleet stream
 * (one append per revision wins), children created with each mark, children ending in random
 * order, and a `fleet_progress` tally that instances read with a lag. Nothing here decides:
 * every decision is `decideFleet`'s.
 */
import { type FleetDecision, type FleetInput, decideFleet } from '../decide-fleet.js';
import { type FleetEvent, type FleetState, evolveFleet } from '../fleet.js';
import type { FleetRequest } from '../fleet-request.js';
import { type ChildOutcome, EMPTY_TALLY, type FleetTally, tallyChild } from '../progress.js';
import { T0, requestedData } from './fleet-fixtures.js';

export interface Commit {
  readonly event: FleetEvent;
  /** The tally the decision was taken on (rollout steps). */
  readonly tally: FleetTally | null;
  /** Children really final when it committed. */
  readonly finalNow: number;
  readonly nowMs: number;
}

export class FleetWorld {
  readonly log: FleetEvent[] = [];
  readonly commits: Commit[] = [];
  /** The state as the ledger caches it: evolved append by append, never re-read. */
  cached: FleetState;
  nowMs = T0.getTime();
  /** Creation time of each child, by target index. */
  readonly childTimes: number[] = [];
  readonly childIds = new Set<string>();
  /** Final outcomes in log order; `tallies[k]` is the tally after the first k. */
  readonly finals: ChildOutcome[] = [];
  readonly tallies: FleetTally[] = [EMPTY_TALLY];
  private readonly finalIndexes = new Set<number>();
  /** Most children open at once, observed after every change. */
  maxOpenSeen = 0;

  constructor(readonly request: FleetRequest) {
    const first = decideFleet(
      { kind: 'issue', fleet: requestedData(request) },
      null,
      new Date(this.nowMs),
    );
    if (first.outcome !== 'append') throw new Error('issue did not append');
    this.cached = this.commit(null, first, null) as FleetState;
  }

  get open(): number {
    return this.childTimes.length - this.finalIndexes.size;
  }

  /** The tally a reader sees `lag` finals behind the log. */
  tallyLagging(lag: number): FleetTally {
    return this.tallies[Math.max(0, this.tallies.length - 1 - lag)]!;
  }

  rollOutInput(lag: number, maxBatch: number): FleetInput {
    return { kind: 'roll_out', progress: { tally: this.tallyLagging(lag) }, next: [], maxBatch };
  }

  decide(input: FleetInput, dtMs = 0): FleetDecision {
    return decideFleet(input, this.cached, new Date(this.nowMs + dtMs));
  }

  /** The guarded append of a decision taken on revision `on`: false when it is stale. */
  tryCommit(on: bigint, d: FleetDecision, tally: FleetTally | null): boolean {
    if (d.outcome !== 'append' || on !== this.cached.revision) return false;
    this.commit(this.cached, d, tally);
    return true;
  }

  /** The child at `pick` (modulo the open ones) ends with `outcome`. */
  finishOne(pick: number, outcome: ChildOutcome): void {
    const open = this.childTimes.map((_, i) => i).filter((i) => !this.finalIndexes.has(i));
    if (open.length === 0) return;
    this.finalIndexes.add(open[pick % open.length]!);
    this.finals.push(outcome);
    this.tallies.push(tallyChild(this.tallies.at(-1)!, outcome, this.request.abort));
  }

  private commit(state: FleetState | null, d: FleetDecision, tally: FleetTally | null) {
    if (d.outcome !== 'append') throw new Error('not an append');
    let s = state;
    for (const event of d.events) {
      s = evolveFleet(s, event);
      this.log.push(event);
      this.commits.push({ event, tally, finalNow: this.finals.length, nowMs: this.nowMs });
      if (event.type === 'FleetChildrenCreated') {
        const t = Date.parse(event.data.at);
        for (let i = 0; i < event.data.count; i += 1) this.childTimes.push(t);
      }
    }
    for (const c of d.children) {
      if (this.childIds.has(c.commandId)) throw new Error(`child ${c.commandId} created twice`);
      this.childIds.add(c.commandId);
    }
    this.maxOpenSeen = Math.max(this.maxOpenSeen, this.open);
    this.cached = s as FleetState;
    return s;
  }
}
