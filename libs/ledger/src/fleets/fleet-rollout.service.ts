/**
 * The rollout engine, on every instance: each tick it takes the fleets that are rolling out or
 * paused (`fleet_progress`), and for each one whose wait is over runs one step, and it cancels
 * the waiting children of fleets that were aborted or cancelled.
 *
 * A step (docs/fleets-design.md): fold the fleet (cached, tail read), read its tally from
 * `fleet_progress` and, for a group target, the next targets from `group_members`, decide
 * (`decideFleet` roll_out), and write the progress mark at the fleet's revision and the
 * children's `CommandRequested` at `no_stream` in one `appendMany`. Two instances on one
 * revision: one commits, the other's whole batch is stale and it decides again. So caps hold
 * across instances: `created` is exact (the marks) and the tally never leads the log.
 * Where the store cannot append to several streams at once (EventStoreDB), the mark goes first
 * and its children after it; the next step re-creates the last mark's children first.
 */
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  Optional,
} from '@nestjs/common';
import {
  EVENT_STORE,
  type EventStore,
  type NewEvent,
  type StreamAppend,
  isStaleRevisionError,
} from '@ratchet/event-store';
import {
  EMPTY_TALLY,
  type FleetChildCommand,
  type FleetState,
  type TargetRef,
  type TransitionMetadata,
  childCancelReason,
  decideFleet,
  eventIdFor,
  evolve,
  evolveFleet,
  fleetStreamOf,
  isFleetTerminal,
  lastMarkChildren,
  streamOf,
} from '@ratchet/lifecycle';
import { READ_MODEL_STORE, type ReadModelStore } from '@ratchet/read-models';
import { RATCHET_OPTIONS, type RatchetModuleOptions } from '../options/ratchet.options.js';
import { Dispatcher } from '../services/dispatcher.service.js';
import { InstanceMetadata } from '../services/instance-metadata.js';
import { LedgerClock } from '../services/ledger-clock.js';
import { CommandTransitions } from '../transition/command-transitions.service.js';
import { FleetStreams } from './fleet-streams.service.js';

export type StepResult =
  | { readonly kind: 'created'; readonly count: number }
  | { readonly kind: 'ended'; readonly status: FleetState['status'] }
  | { readonly kind: 'wait'; readonly reason: string; readonly nextAt: number | null }
  | { readonly kind: 'missing' };

const isUnsupported = (e: unknown) => e instanceof Error && e.name === 'UnsupportedOperationError';

@Injectable()
export class FleetRollout implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('FleetRollout');
  readonly #tickMs: number;
  readonly #maxBatch: number;
  readonly #concurrency: number;
  readonly #enabled: boolean;
  /** When each fleet may next be stepped (epoch ms); absent: at once. */
  readonly #due = new Map<string, number>();
  readonly #kicked = new Set<string>();
  #wake: (() => void) | null = null;
  #stopping = false;
  #running: Promise<void> | null = null;
  /** The store refused a multi-stream append: mark first, children after, repair next step. */
  #nonAtomic = false;

  constructor(
    private readonly fleets: FleetStreams,
    private readonly meta: InstanceMetadata,
    private readonly clock: LedgerClock,
    private readonly dispatcher: Dispatcher,
    private readonly transitions: CommandTransitions,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(RATCHET_OPTIONS) options: RatchetModuleOptions,
    @Optional() @Inject(READ_MODEL_STORE) private readonly readModels?: ReadModelStore | null,
  ) {
    this.#tickMs = options.fleets?.tickMs ?? 250;
    this.#maxBatch = options.fleets?.maxBatch ?? 500;
    this.#concurrency = options.fleets?.dispatchConcurrency ?? 16;
    this.#enabled = (options.fleets?.enabled ?? true) && Boolean(options.readModels);
  }

  onApplicationBootstrap(): void {
    if (this.#enabled) this.#running = this.#loop();
  }

  async onApplicationShutdown(): Promise<void> {
    this.#stopping = true;
    this.#wake?.();
    await this.#running;
  }

  /** Step this fleet at the next tick, without waiting for its turn (after issue or resume). */
  kick(fleetCommandId: string): void {
    this.#kicked.add(fleetCommandId);
    this.#due.delete(fleetCommandId);
    this.#wake?.();
  }

  async #loop(): Promise<void> {
    while (!this.#stopping) {
      try {
        await this.tick();
      } catch (e) {
        this.logger.warn(`rollout tick failed: ${e instanceof Error ? e.message : String(e)}`);
      }
      if (this.#stopping) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.#tickMs);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = null;
    }
  }

  /** One pass: step every active fleet that is due, then cancel waiting children of ended ones. */
  async tick(): Promise<void> {
    if (!this.readModels) return;
    const ids = new Set([...this.#kicked, ...(await this.readModels.activeFleets(500))]);
    this.#kicked.clear();
    const now = this.clock.now().getTime();
    for (const id of ids) {
      if ((this.#due.get(id) ?? 0) > now) continue;
      try {
        const r = await this.step(id);
        if (r.kind === 'created') this.#due.delete(id);
        else if (r.kind === 'wait' && r.nextAt !== null) this.#due.set(id, r.nextAt);
        else if (r.kind === 'ended' || r.kind === 'missing') this.#due.delete(id);
      } catch (e) {
        this.logger.warn(
          `fleet=${id} rollout step failed: ${e instanceof Error ? e.message : String(e)}`,
        );
      }
    }
    await this.cancelWaitingChildren();
  }

  /** One rollout step of one fleet (decided again after a lost race, at most 5 times). */
  async step(fleetCommandId: string): Promise<StepResult> {
    if (!this.readModels) return { kind: 'missing' };
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const state = await this.fleets.read(fleetCommandId);
      if (!state) return { kind: 'missing' };
      if (isFleetTerminal(state.status)) return { kind: 'ended', status: state.status };
      const target = state.request.target;
      let next: TargetRef[] = [];
      if ('group' in target) {
        const read = await this.readModels.groupTargets(
          target.group,
          BigInt(state.groupRevision ?? 0),
          target.continuous,
          this.#nonAtomic ? (state.lastMark?.after ?? null) : state.through,
          this.#maxBatch,
        );
        if (read === null) return { kind: 'wait', reason: 'targets_unread', nextAt: null };
        if (this.#nonAtomic) {
          await this.#createChildren(state, lastMarkChildren(state, read));
          next =
            (await this.readModels.groupTargets(
              target.group,
              BigInt(state.groupRevision ?? 0),
              target.continuous,
              state.through,
              this.#maxBatch,
            )) ?? [];
        } else next = read;
      } else if (this.#nonAtomic) {
        await this.#createChildren(state, lastMarkChildren(state, []));
      }
      const progress = await this.readModels.getFleetProgress(fleetCommandId);
      const tally = progress?.tally ?? EMPTY_TALLY;
      const continuous = 'group' in target && target.continuous;
      const now = this.clock.now();
      const decision = decideFleet(
        {
          kind: 'roll_out',
          progress: { tally, ...(continuous ? { knownTargets: state.created + next.length } : {}) },
          next,
          maxBatch: this.#maxBatch,
        },
        state,
        now,
      );
      if (decision.outcome === 'unchanged') {
        if (decision.reason === 'stale') continue;
        return { kind: 'wait', reason: decision.reason, nextAt: decision.nextAt };
      }
      if (decision.outcome === 'rejected') throw new Error(decision.message);
      const metadata = this.meta.build('rollout', fleetCommandId);
      const events = this.fleets.newEvents(state, decision.events, metadata);
      const stream = fleetStreamOf(fleetCommandId);
      const mark: StreamAppend = { stream, events, expected: state.revision };
      try {
        if (this.#nonAtomic) await this.store.append(stream, events, state.revision);
        else
          await this.store.appendMany([
            mark,
            ...this.#childAppends(decision.children, events[0]!.id, state.issuedBy),
          ]);
      } catch (e) {
        if (isStaleRevisionError(e) && e.stream === stream) continue; // another instance stepped
        if (isUnsupported(e) && !this.#nonAtomic) {
          this.logger.warn(
            'the store has no atomic multi-stream append: marks first, children after',
          );
          this.#nonAtomic = true;
          continue;
        }
        throw e;
      }
      const after = decision.events.reduce<FleetState | null>(evolveFleet, state) as FleetState;
      this.fleets.remember(after);
      if (this.#nonAtomic) await this.#createChildren(state, decision.children, events[0]!.id);
      if (decision.children.length > 0) {
        this.logger.log(
          `fleet=${fleetCommandId} created ${decision.children.length} children (${after.created}/${after.targets})`,
        );
        // Committed with the mark: this process knows their state, the dispatch need not read it.
        for (const c of decision.children) {
          this.transitions.remember(evolve(null, { type: 'CommandRequested', data: c }));
        }
        this.#dispatch(
          fleetCommandId,
          decision.children.map((c) => c.commandId),
        );
        return { kind: 'created', count: decision.children.length };
      }
      this.logger.log(`fleet=${fleetCommandId} ${after.status}`);
      return { kind: 'ended', status: after.status };
    }
    return { kind: 'wait', reason: 'contention', nextAt: null };
  }

  /** A child is the fleet command's issuer's act: it carries that issuer, not `system`. */
  #childMetadata(
    fleetCommandId: string,
    causationId: string | null,
    issuedBy: string,
  ): TransitionMetadata {
    return this.meta.build('rollout', fleetCommandId, causationId, { issuedBy });
  }

  #childAppends(
    children: readonly FleetChildCommand[],
    causationId: string | null,
    issuedBy: string,
  ): StreamAppend[] {
    return children.map((c) => ({
      stream: streamOf(c.commandId),
      events: [this.#childEvent(c, causationId, issuedBy)],
      expected: 'no_stream' as const,
    }));
  }

  #childEvent(c: FleetChildCommand, causationId: string | null, issuedBy: string): NewEvent {
    return {
      id: eventIdFor(c.commandId, 'CommandRequested'),
      type: 'CommandRequested',
      data: c as unknown as Record<string, unknown>,
      metadata: this.#childMetadata(c.fleetCommandId, causationId, issuedBy) as unknown as Record<
        string,
        unknown
      >,
    };
  }

  /** One append per child, `no_stream`: a stale one is already there (idempotent repair). */
  async #createChildren(
    state: FleetState,
    children: readonly FleetChildCommand[],
    causationId: string | null = null,
  ) {
    for (const c of children) {
      try {
        await this.store.append(
          streamOf(c.commandId),
          [this.#childEvent(c, causationId, state.issuedBy)],
          'no_stream',
        );
      } catch (e) {
        if (!isStaleRevisionError(e)) throw e;
      }
    }
    if (children.length > 0 && causationId === null) {
      this.logger.debug?.(`fleet=${state.fleetCommandId} last mark's children checked`);
    }
  }

  /** Publishes the new children's intents in the background, a few at a time. */
  #dispatch(fleetCommandId: string, ids: readonly string[]): void {
    let index = 0;
    const worker = async () => {
      while (index < ids.length) {
        const id = ids[index++]!;
        await this.dispatcher
          .dispatch(id, fleetCommandId, 'known')
          .catch((e: unknown) =>
            this.logger.warn(`fleet=${fleetCommandId} command=${id} dispatch failed: ${String(e)}`),
          );
      }
    };
    void Promise.all(Array.from({ length: Math.min(this.#concurrency, ids.length) }, worker));
  }

  /**
   * Waiting children of aborted or cancelled fleets, cancelled through the ordinary decision
   * (`fleet_aborted` / `fleet_cancelled`); one sent meanwhile is not cancellable and runs on.
   */
  async cancelWaitingChildren(): Promise<number> {
    if (!this.readModels) return 0;
    let cancelled = 0;
    for (const child of await this.readModels.childrenToCancel(500)) {
      const reason = childCancelReason(child.fleetStatus);
      const r = await this.transitions.apply(
        child.commandId,
        { kind: 'cancel', reason },
        this.meta.build('rollout', child.commandId),
      );
      if (r.outcome === 'applied') cancelled += 1;
    }
    if (cancelled > 0) this.logger.log(`cancelled ${cancelled} waiting children of ended fleets`);
    return cancelled;
  }
}
