/**
 * The device's queue (CONTRACT.md rules 8 and 10), kept on the device stream beside presence,
 * so that the decision "this command may be sent now" is made on one stream's state at one
 * revision — never on a read model that may lag.
 *
 * An entry enters the queue when a keyed command is accepted (its place is its acceptance
 * order), or when a command with `delivery: when_online` must wait for its offline device (so
 * that whoever records the device coming back finds it). Entries whose commands no longer
 * hold anything back are closed by a later event, which only keeps the state small: a closed
 * entry and a terminal command in the queue mean the same to `decideSend`.
 */
import type { CommandQueueSpec, CommandStatus, DeliveryMode } from '../command.js';
import { isTerminal } from '../command.js';

export interface QueueEntry {
  readonly commandId: string;
  /** The command's `queue.key`; `null` for a command that only waits for its device. */
  readonly key: string | null;
}

export type QueueEvent =
  | {
      readonly type: 'CommandQueued';
      readonly data: {
        readonly commandId: string;
        readonly key: string | null;
        readonly at: string;
      };
    }
  | {
      readonly type: 'QueueEntriesClosed';
      readonly data: { readonly commandIds: readonly string[]; readonly at: string };
    };
export type QueueEventType = QueueEvent['type'];
export const QUEUE_EVENT_TYPES: readonly QueueEventType[] = ['CommandQueued', 'QueueEntriesClosed'];

/** Entries in acceptance order; a command is in the queue at most once. */
export function evolveQueue(queue: readonly QueueEntry[], event: QueueEvent): QueueEntry[] {
  switch (event.type) {
    case 'CommandQueued':
      if (queue.some((e) => e.commandId === event.data.commandId)) return [...queue];
      return [...queue, { commandId: event.data.commandId, key: event.data.key }];
    case 'QueueEntriesClosed': {
      const closed = new Set(event.data.commandIds);
      return queue.filter((e) => !closed.has(e.commandId));
    }
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
}

/** Why a `requested` command is held back (the API's `waiting`). */
export type Waiting =
  { readonly reason: 'device_offline' } | { readonly reason: 'queued'; readonly behind: string };

/** What the send decision needs of the command. */
export interface SendCandidate {
  readonly commandId: string;
  readonly delivery: DeliveryMode;
  readonly queue: Pick<CommandQueueSpec, 'key'> | null;
}

export type SendDecision =
  | { readonly outcome: 'send' }
  | { readonly outcome: 'wait'; readonly waiting: Waiting }
  /**
   * The command must take its place in the device's queue first (a keyed command without an
   * entry, or a command that is about to wait for its device): append `CommandQueued` at the
   * revision decided on, then decide again.
   */
  | { readonly outcome: 'enqueue'; readonly entry: QueueEntry };

/** Is the command known to hold nothing back any more? `undefined`: unknown (assume it holds). */
export type StatusLookup = (commandId: string) => CommandStatus | undefined;

/**
 * Rule 8 on the device stream's state: a `requested` command waits while an earlier command of
 * its queue key is not terminal, or while its device is `offline` and its delivery is
 * `when_online`. A device whose presence is `unknown` is sent to at once. `presence` is the
 * device stream's, `queue` its open entries; `statusOf` tells the status of the entries ahead.
 */
export function decideSend(
  command: SendCandidate,
  presence: 'unknown' | 'online' | 'offline',
  queue: readonly QueueEntry[],
  statusOf: StatusLookup,
): SendDecision {
  const index = queue.findIndex((e) => e.commandId === command.commandId);
  const key = command.queue?.key ?? null;
  const entry: QueueEntry = { commandId: command.commandId, key };
  if (key !== null) {
    if (index < 0) return { outcome: 'enqueue', entry };
    const ahead = queue
      .slice(0, index)
      .filter((e) => e.key === key && !isClosed(statusOf(e.commandId)));
    const behind = ahead.at(-1);
    if (behind) return { outcome: 'wait', waiting: { reason: 'queued', behind: behind.commandId } };
  }
  if (command.delivery === 'when_online' && presence === 'offline') {
    return index < 0
      ? { outcome: 'enqueue', entry }
      : { outcome: 'wait', waiting: { reason: 'device_offline' } };
  }
  return { outcome: 'send' };
}

/** A queue entry holds its key only while its command is not terminal (or unknown). */
const isClosed = (status: CommandStatus | undefined): boolean =>
  status !== undefined && isTerminal(status);

/**
 * Entries that hold nothing back any more: a keyed command once terminal, a command that only
 * waited for its device once it left `requested`. Closing them keeps the device state small.
 */
export function closableEntries(queue: readonly QueueEntry[], statusOf: StatusLookup): string[] {
  return queue
    .filter((e) => {
      const status = statusOf(e.commandId);
      if (status === undefined) return false;
      return e.key === null ? status !== 'requested' : isTerminal(status);
    })
    .map((e) => e.commandId);
}

/**
 * Rule 10: the commands a command accepted with `queue.supersede: true` cancels — every entry
 * of its device and key ahead of it. Cancelling applies only to those still `requested` (the
 * command decider refuses the rest), so a command already sent is never superseded.
 */
export function supersedeTargets(queue: readonly QueueEntry[], commandId: string): string[] {
  const index = queue.findIndex((e) => e.commandId === commandId);
  if (index < 0) return [];
  const key = queue[index]!.key;
  if (key === null) return [];
  return queue
    .slice(0, index)
    .filter((e) => e.key === key)
    .map((e) => e.commandId);
}

/** The queue's entries in the order they were accepted: what to dispatch when the device returns. */
export const waitingOrder = (queue: readonly QueueEntry[]): string[] =>
  queue.map((e) => e.commandId);
