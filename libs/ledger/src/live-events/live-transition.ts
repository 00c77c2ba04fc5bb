import type { Position, RecordedEvent } from '@ratchet/event-store';
import {
  type CommandEventType,
  type CommandStatus,
  commandIdOfStream,
  TRANSITIONS,
} from '@ratchet/lifecycle';
import type { CommandFacts } from './command-facts.js';

/**
 * One appended command event as `GET /events` carries it (CONTRACT.md section 2, "Live
 * events"): the command's status after the event, and where the event sits in the log.
 */
export interface LiveTransition {
  readonly position: Position;
  readonly commandId: string;
  readonly deviceId: string;
  readonly fleetCommandId: string | null;
  readonly type: string;
  /** After this event; `null` only for an event of a type this code does not know. */
  readonly status: CommandStatus | null;
  readonly revision: number;
  /** When the event was recorded (the state topic's `at` too). */
  readonly at: string;
}

const isKnownType = (type: string): type is CommandEventType => Object.hasOwn(TRANSITIONS, type);

/**
 * The status a command has after `type`, from the lifecycle's table; an observation (a late
 * result) keeps the status, which is then the command's terminal one: a terminal status is
 * never left, so it is a fact of the command, not of the moment.
 */
export const statusAfter = (type: string, facts: CommandFacts): CommandStatus | null =>
  isKnownType(type) ? (TRANSITIONS[type].to ?? facts.terminal) : null;

export const toLiveTransition = (event: RecordedEvent, facts: CommandFacts): LiveTransition => ({
  position: event.position,
  commandId: commandIdOfStream(event.stream) ?? event.stream,
  deviceId: facts.deviceId,
  fleetCommandId: facts.fleetCommandId,
  type: event.type,
  status: statusAfter(event.type, facts),
  revision: Number(event.revision),
  at: event.recordedAt.toISOString(),
});
