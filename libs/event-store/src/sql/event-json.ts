import type { AppendResult, NewEvent } from '../event-store.port.js';
import { encodePosition } from './position.js';

/**
 * New events travel as one jsonb parameter, which both drivers pass unchanged, whatever the
 * number of events; `EVENT_FIELDS` takes one element `e.v` of it apart in SQL.
 */
export const eventsJson = (events: readonly NewEvent[]) =>
  events.map(({ id, type, data, metadata }) => ({ id, type, data, metadata }));

export const EVENT_FIELDS = `(e.v->>'id')::uuid, e.v->>'type', e.v->'data', coalesce(e.v->'metadata', '{}'::jsonb)`;

/** What an append statement returns for the last event it wrote. */
export interface WrittenEvent {
  readonly revision: bigint;
  readonly tx_id: bigint;
  readonly position: bigint;
}

export const toAppendResult = (stream: string, last: WrittenEvent): AppendResult => ({
  stream,
  nextExpectedRevision: last.revision,
  position: encodePosition({ txId: last.tx_id, position: last.position }),
});
