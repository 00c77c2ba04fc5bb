/**
 * What each stream alone must satisfy (the lifecycle's own checker, CONTRACT.md section 1),
 * plus: closed by now, and exactly one terminal event. Returns the folded states for the
 * other checks, and each stream's status after every revision (to place API answers).
 */
import type { RecordedEvent } from '@ratchet/event-store';
import { type CommandState, checkStream, isTerminal, TRANSITIONS } from '@ratchet/lifecycle';
import type { Streams } from './log-reader.js';
import { type Violation, violation } from './violation.js';

export interface Folded {
  readonly states: Map<string, CommandState>;
  /** statuses.get(id)[r]: the status once revision r was applied. */
  readonly statuses: Map<string, string[]>;
}

const isTerminalEvent = (e: RecordedEvent): boolean =>
  Object.hasOwn(TRANSITIONS, e.type) && TRANSITIONS[e.type as keyof typeof TRANSITIONS].rank === 3;

export function checkStreams(streams: Streams, found: Violation[]): Folded {
  const states = new Map<string, CommandState>();
  const statuses = new Map<string, string[]>();
  for (const [id, events] of streams) {
    const { violations, state } = checkStream(id, events);
    for (const v of violations)
      found.push(violation(v.kind, `revision ${v.revision}: ${v.detail}`, id));
    const terminals = events.filter(isTerminalEvent).length;
    if (terminals > 1 && !violations.some((v) => v.kind === 'second_terminal'))
      found.push(violation('second_terminal', `${terminals} terminal events`, id));
    if (!state) continue;
    states.set(id, state);
    if (!isTerminal(state.status))
      found.push(
        violation('not_terminal', `still ${state.status} at revision ${state.revision}`, id),
      );
    // Status after each event of the legal prefix (an observation keeps the status).
    const trail: string[] = [];
    let status = 'requested';
    for (const e of events) {
      const to = Object.hasOwn(TRANSITIONS, e.type)
        ? TRANSITIONS[e.type as keyof typeof TRANSITIONS].to
        : null;
      status = to ?? status;
      trail.push(status);
    }
    statuses.set(id, trail);
  }
  return { states, statuses };
}
