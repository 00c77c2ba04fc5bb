/**
 * `decideQueue(input, state, now)`: the queue's inputs on the device stream — take a command's
 * place (`enqueue`), or close entries that hold nothing back any more. Pure, like
 * decidePresence; the caller appends at the state's revision, so two instances enqueueing at
 * once are ordered by the store: one wins, the other re-reads and decides again.
 */
import type { DeviceState } from './device-stream.js';
import type { QueueEntry, QueueEvent } from './queue.js';

export type QueueInput =
  | { readonly kind: 'enqueue'; readonly entry: QueueEntry }
  | { readonly kind: 'close_entries'; readonly commandIds: readonly string[] };

export type QueueDecision =
  | { readonly outcome: 'append'; readonly events: readonly QueueEvent[] }
  | { readonly outcome: 'unchanged'; readonly reason: 'duplicate' | 'nothing_to_close' };

export function decideQueue(
  input: QueueInput,
  state: DeviceState | null,
  now: Date,
): QueueDecision {
  const queue = state?.queue ?? [];
  const at = now.toISOString();
  switch (input.kind) {
    case 'enqueue':
      if (queue.some((e) => e.commandId === input.entry.commandId))
        return { outcome: 'unchanged', reason: 'duplicate' };
      return {
        outcome: 'append',
        events: [
          {
            type: 'CommandQueued',
            data: { commandId: input.entry.commandId, key: input.entry.key, at },
          },
        ],
      };
    case 'close_entries': {
      const open = new Set(queue.map((e) => e.commandId));
      const commandIds = [...new Set(input.commandIds)].filter((id) => open.has(id));
      if (commandIds.length === 0) return { outcome: 'unchanged', reason: 'nothing_to_close' };
      return {
        outcome: 'append',
        events: [{ type: 'QueueEntriesClosed', data: { commandIds, at } }],
      };
    }
    default: {
      const _exhaustive: never = input;
      return _exhaustive;
    }
  }
}
