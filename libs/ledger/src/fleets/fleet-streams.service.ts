/**
 * The fleet streams: a per-instance cache of each fleet's folded state, brought up to date by
 * reading only the tail after it (`readStream(stream, { fromRevision })`), and the one shell
 * for the controls and the issue: decide on the state, append at its revision, on a stale
 * append read the tail and decide again.
 */
import { Inject, Injectable } from '@nestjs/common';
import {
  EVENT_STORE,
  type EventStore,
  type NewEvent,
  isStaleRevisionError,
} from '@ratchet/event-store';
import {
  type FleetDecision,
  type FleetEvent,
  type FleetInput,
  type FleetState,
  type TransitionMetadata,
  decideFleet,
  evolveFleet,
  fleetStreamOf,
  revisionEventId,
} from '@ratchet/lifecycle';

const CACHE_SIZE = 1000;

export interface FleetDecisionResult {
  readonly decision: FleetDecision;
  /** The state after the append (or the state decided on, when nothing was appended). */
  readonly state: FleetState | null;
}

@Injectable()
export class FleetStreams {
  readonly #cache = new Map<string, FleetState>();

  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  /** The fleet folded up to the stream's head: the cached state plus the tail after it. */
  async read(fleetCommandId: string): Promise<FleetState | null> {
    const cached = this.#cache.get(fleetCommandId) ?? null;
    const tail = await this.store.readStream(fleetStreamOf(fleetCommandId), {
      fromRevision: cached ? cached.revision + 1n : 0n,
    });
    let state = cached;
    for (const e of tail) state = evolveFleet(state, { type: e.type, data: e.data } as FleetEvent);
    if (state) this.remember(state);
    return state;
  }

  remember(state: FleetState): void {
    this.#cache.delete(state.fleetCommandId);
    this.#cache.set(state.fleetCommandId, state);
    if (this.#cache.size > CACHE_SIZE)
      this.#cache.delete(this.#cache.keys().next().value as string);
  }

  forget(fleetCommandId: string): void {
    this.#cache.delete(fleetCommandId);
  }

  /** The new events as the store takes them: ids by revision, so a re-sent append is known. */
  newEvents(
    state: FleetState | null,
    events: readonly FleetEvent[],
    metadata: TransitionMetadata,
  ): NewEvent[] {
    const first = state ? state.revision + 1n : 0n;
    const stream = fleetStreamOf(
      state?.fleetCommandId ?? (events[0]!.data as { fleetCommandId: string }).fleetCommandId,
    );
    return events.map((e, i) => ({
      id: revisionEventId(stream, first + BigInt(i)),
      type: e.type,
      data: e.data as unknown as Record<string, unknown>,
      metadata: metadata as unknown as Record<string, unknown>,
    }));
  }

  /** Issue and the controls (not the rollout step, which appends children too). */
  async decide(
    fleetCommandId: string,
    input: Exclude<FleetInput, { kind: 'roll_out' }>,
    metadata: TransitionMetadata,
    now: () => Date,
  ): Promise<FleetDecisionResult> {
    for (let attempt = 0; attempt < 20; attempt += 1) {
      const state = await this.read(fleetCommandId);
      const decision = decideFleet(input, state, now());
      if (decision.outcome === 'unchanged' && decision.reason === 'stale') continue;
      if (decision.outcome !== 'append') return { decision, state };
      try {
        await this.store.append(
          fleetStreamOf(fleetCommandId),
          this.newEvents(state, decision.events, metadata),
          state ? state.revision : 'no_stream',
        );
      } catch (e) {
        if (!isStaleRevisionError(e)) throw e;
        continue; // another decision committed first: read its tail, decide again
      }
      const next = decision.events.reduce<FleetState | null>(evolveFleet, state) as FleetState;
      this.remember(next);
      return { decision, state: next };
    }
    throw new Error(`fleet command ${fleetCommandId}: still stale after 20 decisions`);
  }
}
