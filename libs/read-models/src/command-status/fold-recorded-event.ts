import type { RecordedEvent } from '@ratchet/event-store';
import {
  type CommandEvent,
  type CommandState,
  canApply,
  EVENT_TYPES,
  evolve,
} from '@ratchet/lifecycle';

export type FoldStep =
  | { readonly kind: 'applied'; readonly state: CommandState }
  /** At or below the row's revision: a replayed or reordered event, which changes nothing. */
  | { readonly kind: 'stale' }
  /** The transition table refuses it: a corrupt stream. */
  | { readonly kind: 'refused'; readonly reason: string };

/** metadata.issuedBy of an event (a string), or `null` when it has none. */
export const issuerOf = (event: {
  readonly metadata?: Readonly<Record<string, unknown>> | null;
  readonly issuedBy?: string | null;
}): string | null => {
  if (event.issuedBy !== undefined) return event.issuedBy;
  const value = event.metadata?.issuedBy;
  return typeof value === 'string' ? value : null;
};

export const isLifecycleEvent = (event: RecordedEvent): boolean =>
  (EVENT_TYPES as readonly string[]).includes(event.type);

/**
 * One stored event onto a read model's state, by the lifecycle's own `evolve`. The stream
 * revision is the guard: an event at or below the state's revision is stale. A gap (an event
 * the projection never saw, e.g. of a type it does not know) is tolerated when the
 * transition table allows the step; the state then takes the event's revision.
 */
export const foldRecordedEvent = (state: CommandState | null, event: RecordedEvent): FoldStep => {
  if (state && event.revision <= state.revision) return { kind: 'stale' };
  const command = { type: event.type, data: event.data } as CommandEvent;
  if (!canApply(state, command)) {
    return {
      kind: 'refused',
      reason: `${event.type} at revision ${event.revision} cannot follow ${
        state ? `${state.status} at revision ${state.revision}` : 'an empty stream'
      }`,
    };
  }
  return { kind: 'applied', state: { ...evolve(state, command), revision: event.revision } };
};
