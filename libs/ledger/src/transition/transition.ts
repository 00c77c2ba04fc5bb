/**
 * The one shell every transition goes through: load the stream, fold it, decide, append at the
 * revision the decision was made on; on a stale append, re-read and decide again. No handler
 * writes its own copy of this loop.
 */
import { type EventStore, type NewEvent, isStaleRevisionError } from '@ratchet/event-store';
import {
  type CommandInput,
  type CommandState,
  type RejectionCode,
  type TransitionMetadata,
  type UnchangedReason,
  type CommandEvent,
  decide,
  eventIdFor,
  evolve,
  streamOf,
} from '@ratchet/lifecycle';
import { foldStream } from './command-stream.js';
import type { CommandStateCache } from './command-state-cache.js';

export type TransitionResult =
  | {
      readonly outcome: 'applied';
      readonly state: CommandState;
      readonly events: readonly CommandEvent[];
      readonly conflicts: number;
    }
  | {
      readonly outcome: 'unchanged';
      readonly reason: UnchangedReason;
      readonly state: CommandState | null;
      readonly conflicts: number;
    }
  | {
      readonly outcome: 'rejected';
      readonly code: RejectionCode;
      readonly message: string;
      readonly state: CommandState | null;
      readonly conflicts: number;
    };

export interface TransitionContext {
  readonly metadata: TransitionMetadata;
}

export interface TransitionOptions {
  /** How many decisions at most before giving up under contention. */
  readonly maxAttempts: number;
  /** Backoff base: attempt n waits a random time in [0, base·2ⁿ) ms. */
  readonly backoffBaseMs: number;
  readonly now: () => Date;
  readonly random: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  /**
   * What this process already knows of command states (see command-state-cache.ts). With it, a
   * transition first decides on the cached state without reading; only an append, guarded by
   * its expected revision, is taken
   * from that decision. Anything else, or a stale append, falls back to the read loop below.
   */
  readonly cache?: CommandStateCache;
}

/** Still stale after `maxAttempts` decisions: contention so high that the caller should retry later. */
export class TransitionContentionError extends Error {
  override readonly name = 'TransitionContentionError';
  constructor(
    readonly commandId: string,
    readonly attempts: number,
  ) {
    super(`command ${commandId}: still stale after ${attempts} decisions`);
  }
}

export const defaultTransitionOptions: TransitionOptions = {
  maxAttempts: 10,
  backoffBaseMs: 2,
  now: () => new Date(),
  random: Math.random,
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
};

export async function transition(
  store: EventStore,
  commandId: string,
  input: CommandInput,
  ctx: TransitionContext,
  options: TransitionOptions = defaultTransitionOptions,
): Promise<TransitionResult> {
  const stream = streamOf(commandId);
  const { cache } = options;
  // A stale cached state is a lost race like any other: counted, then read and decided again.
  let before = 0;
  const cached = cache?.worthGuessing(input.kind) ? cache.get(stream) : undefined;
  if (cached) {
    const hinted = await appendOnHint(store, commandId, cached, input, ctx, options);
    if (hinted !== null) cache?.guessed(input.kind, hinted === 'stale');
    if (hinted === 'stale') before = 1;
    else if (hinted) return hinted;
  }
  for (let attempt = 0; attempt < options.maxAttempts; attempt++) {
    const conflicts = before + attempt;
    const state = foldStream(stream, await store.readStream(stream));
    cache?.remember(stream, state);
    const decision = decide(input, state, options.now());
    if (decision.outcome === 'unchanged') return { ...decision, state, conflicts };
    if (decision.outcome === 'rejected') return { ...decision, state, conflicts };
    try {
      await store.append(stream, toNewEvents(commandId, decision.events, ctx), expectedOf(state));
      const next = decision.events.reduce<CommandState | null>(evolve, state) as CommandState;
      cache?.remember(stream, next);
      return { outcome: 'applied', state: next, events: decision.events, conflicts };
    } catch (e) {
      if (!isStaleRevisionError(e)) throw e;
      if (state) cache?.forget(stream, state);
      await options.sleep(options.random() * options.backoffBaseMs * 2 ** attempt);
    }
  }
  throw new TransitionContentionError(commandId, options.maxAttempts);
}

const expectedOf = (state: CommandState | null) => (state ? state.revision : 'no_stream');

const toNewEvents = (
  commandId: string,
  events: readonly CommandEvent[],
  ctx: TransitionContext,
): NewEvent[] =>
  events.map((e) => ({
    id: eventIdFor(commandId, e.type),
    type: e.type,
    data: e.data as unknown as Record<string, unknown>,
    metadata: ctx.metadata as unknown as Record<string, unknown>,
  }));

/**
 * One decision on the cached state, without a read. Only an append comes of it, at the cached
 * revision: the store accepts it only if the stream's head is still there, where the cached
 * state is exactly the stream's state. `null` (nothing applied) when the decision was not an
 * append, `'stale'` when the append was: the caller then reads and decides as always.
 */
async function appendOnHint(
  store: EventStore,
  commandId: string,
  hint: CommandState,
  input: CommandInput,
  ctx: TransitionContext,
  options: TransitionOptions,
): Promise<TransitionResult | 'stale' | null> {
  const stream = streamOf(commandId);
  const decision = decide(input, hint, options.now());
  if (decision.outcome !== 'append') return null;
  try {
    await store.append(stream, toNewEvents(commandId, decision.events, ctx), expectedOf(hint));
  } catch (e) {
    if (!isStaleRevisionError(e)) throw e;
    options.cache?.forget(stream, hint);
    return 'stale';
  }
  const next = decision.events.reduce<CommandState | null>(evolve, hint) as CommandState;
  options.cache?.remember(stream, next);
  return { outcome: 'applied', state: next, events: decision.events, conflicts: 0 };
}
