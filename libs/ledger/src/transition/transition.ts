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
  for (let attempt = 0; attempt < options.maxAttempts; attempt++) {
    const state = foldStream(stream, await store.readStream(stream));
    const decision = decide(input, state, options.now());
    if (decision.outcome === 'unchanged') return { ...decision, state, conflicts: attempt };
    if (decision.outcome === 'rejected') return { ...decision, state, conflicts: attempt };
    const events: NewEvent[] = decision.events.map((e) => ({
      id: eventIdFor(commandId, e.type),
      type: e.type,
      data: e.data as unknown as Record<string, unknown>,
      metadata: ctx.metadata as unknown as Record<string, unknown>,
    }));
    try {
      await store.append(stream, events, state ? state.revision : 'no_stream');
      const next = decision.events.reduce<CommandState | null>(evolve, state) as CommandState;
      return { outcome: 'applied', state: next, events: decision.events, conflicts: attempt };
    } catch (e) {
      if (!isStaleRevisionError(e)) throw e;
      await options.sleep(options.random() * options.backoffBaseMs * 2 ** attempt);
    }
  }
  throw new TransitionContentionError(commandId, options.maxAttempts);
}
