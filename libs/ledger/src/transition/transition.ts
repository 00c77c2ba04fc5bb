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
import { readCommand } from './command-stream.js';
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

/** The cache's name for guesses that an issued command is new (see `transition`). */
const NEW_COMMAND = 'issue:new';

export async function transition(
  store: EventStore,
  commandId: string,
  input: CommandInput,
  ctx: TransitionContext,
  options: TransitionOptions = defaultTransitionOptions,
): Promise<TransitionResult> {
  const { cache } = options;
  let conflicts = 0;
  // One guess on what this process last knew, before any read: only an append is taken from it
  // (its expected revision makes the store check the guess). A stale cached state is a lost
  // race like any other: counted, then read and decided again.
  const cached = cache?.worthGuessing(input.kind) ? cache.get(streamOf(commandId)) : undefined;
  if (cached) {
    const guess = await decideAndAppend(store, commandId, cached, input, ctx, options);
    if (guess === 'stale' || guess.outcome === 'applied')
      cache!.guessed(input.kind, guess === 'stale');
    if (guess === 'stale') conflicts += 1;
    else if (guess.outcome === 'applied') return guess;
  } else if (cache && input.kind === 'issue' && cache.worthGuessing(NEW_COMMAND)) {
    // A command being issued is almost always new: decide on "no stream yet" without reading.
    // The append expects no stream, so the store refuses it when the command exists (a repeated
    // issue, or another instance's); that is no race, so it is not counted as a conflict, and
    // the read below decides again (duplicate or id conflict). Saves a read per command.
    const guess = await decideAndAppend(store, commandId, null, input, ctx, options);
    if (guess === 'stale' || guess.outcome === 'applied')
      cache.guessed(NEW_COMMAND, guess === 'stale');
    if (guess !== 'stale' && guess.outcome === 'applied') return guess;
  }
  for (let attempt = 0; attempt < options.maxAttempts; attempt++) {
    const state = await readCommand(store, commandId);
    cache?.remember(streamOf(commandId), state);
    const result = await decideAndAppend(store, commandId, state, input, ctx, options);
    if (result !== 'stale') return { ...result, conflicts };
    conflicts += 1;
    await options.sleep(options.random() * options.backoffBaseMs * 2 ** attempt);
  }
  throw new TransitionContentionError(commandId, options.maxAttempts);
}

/**
 * decide → append at the revision decided on → evolve: the one step of every transition.
 * `'stale'` when the store refused the append (someone appended first).
 */
async function decideAndAppend(
  store: EventStore,
  commandId: string,
  state: CommandState | null,
  input: CommandInput,
  ctx: TransitionContext,
  options: TransitionOptions,
): Promise<TransitionResult | 'stale'> {
  const decision = decide(input, state, options.now());
  if (decision.outcome !== 'append') return { ...decision, state, conflicts: 0 };
  const stream = streamOf(commandId);
  try {
    await store.append(stream, toNewEvents(commandId, decision.events, ctx), expectedOf(state));
  } catch (e) {
    if (!isStaleRevisionError(e)) throw e;
    if (state) options.cache?.forget(stream, state);
    return 'stale';
  }
  const next = decision.events.reduce<CommandState | null>(evolve, state) as CommandState;
  options.cache?.remember(stream, next);
  return { outcome: 'applied', state: next, events: decision.events, conflicts: 0 };
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
