import type { RecordedEvent } from '@ratchet/event-store';
import { type CommandEventType, commandIdOfStream } from '@ratchet/lifecycle';

/**
 * A command event as the host's `EventBus` receives it (a named `subscription`): one class per
 * event type, so that `@EventsHandler(CommandExecuted)` picks what it wants.
 */
export abstract class RatchetCommandEvent {
  abstract readonly type: CommandEventType;
  constructor(
    readonly commandId: string,
    readonly deviceId: string,
    /** The event's revision in its command's stream (0: `CommandRequested`). */
    readonly revision: number,
    /** Its position in the global log: the subscription's checkpoint once handled. */
    readonly position: string,
    /** The event's data as stored (CONTRACT.md section 1), e.g. `output` of `CommandExecuted`. */
    readonly data: Readonly<Record<string, unknown>>,
    /** When it was appended. */
    readonly recordedAt: Date,
    /** The event's own id (UUID): the key for a handler that must not act twice. */
    readonly eventId: string,
    /** The subscription that delivered it. */
    readonly subscription: string,
  ) {}
}

export class CommandRequested extends RatchetCommandEvent {
  readonly type = 'CommandRequested' as const;
}
export class CommandSent extends RatchetCommandEvent {
  readonly type = 'CommandSent' as const;
}
export class CommandAcknowledged extends RatchetCommandEvent {
  readonly type = 'CommandAcknowledged' as const;
}
export class CommandExecuted extends RatchetCommandEvent {
  readonly type = 'CommandExecuted' as const;
}
export class CommandFailed extends RatchetCommandEvent {
  readonly type = 'CommandFailed' as const;
}
export class CommandTimedOut extends RatchetCommandEvent {
  readonly type = 'CommandTimedOut' as const;
}
export class CommandCancelled extends RatchetCommandEvent {
  readonly type = 'CommandCancelled' as const;
}
export class CommandExpired extends RatchetCommandEvent {
  readonly type = 'CommandExpired' as const;
}
export class CommandLateResultObserved extends RatchetCommandEvent {
  readonly type = 'CommandLateResultObserved' as const;
}

type EventClass = new (
  ...args: ConstructorParameters<typeof CommandRequested>
) => RatchetCommandEvent;

/** The class of each command event type. */
export const COMMAND_EVENT_CLASSES: Readonly<Record<CommandEventType, EventClass>> = {
  CommandRequested,
  CommandSent,
  CommandAcknowledged,
  CommandExecuted,
  CommandFailed,
  CommandTimedOut,
  CommandCancelled,
  CommandExpired,
  CommandLateResultObserved,
};

/** The host event for a recorded command event; `null` for a type this version does not know. */
export function toHostEvent(
  e: RecordedEvent,
  deviceId: string,
  subscription: string,
): RatchetCommandEvent | null {
  const Class = Object.hasOwn(COMMAND_EVENT_CLASSES, e.type)
    ? COMMAND_EVENT_CLASSES[e.type as CommandEventType]
    : null;
  if (!Class) return null;
  return new Class(
    commandIdOfStream(e.stream) as string,
    deviceId,
    Number(e.revision),
    e.position,
    e.data,
    e.recordedAt,
    e.id,
    subscription,
  );
}
