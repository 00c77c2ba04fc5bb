/**
 * Accepting a keyed command (CONTRACT.md rules 8 and 10, DESIGN.md "Presence, waiting and
 * queues"): its `CommandRequested` and its place on the device stream in one atomic append, so
 * that acceptance order is the queue's order and no command of a key exists without its place.
 * A store that cannot append to two streams at once (EventStoreDB) gets the command alone;
 * the dispatcher then gives it its place before it may be sent (the device stream's order wins).
 */
import { type EventStore, type StreamAppend, isStaleRevisionError } from '@ratchet/event-store';
import {
  type CommandRequestedData,
  type TransitionMetadata,
  decideQueue,
  deviceStreamOf,
  eventIdFor,
  streamOf,
} from '@ratchet/lifecycle';
import { deviceEventsToAppend, expectedOfDevice, readDevice } from '../device/device-stream.js';

export type AdmitOutcome = 'admitted' | 'exists' | 'unsupported';

export async function admitQueued(
  store: EventStore,
  data: CommandRequestedData & { readonly queue: { readonly key: string } },
  metadata: TransitionMetadata,
  now: () => Date,
): Promise<AdmitOutcome> {
  for (let attempt = 0; attempt < 10; attempt++) {
    const device = await readDevice(store, data.deviceId);
    const place = decideQueue(
      { kind: 'enqueue', entry: { commandId: data.commandId, key: data.queue.key } },
      device,
      now(),
    );
    const appends: StreamAppend[] = [
      {
        stream: streamOf(data.commandId),
        events: [
          {
            id: eventIdFor(data.commandId, 'CommandRequested'),
            type: 'CommandRequested',
            data: data as unknown as Record<string, unknown>,
            metadata: metadata as unknown as Record<string, unknown>,
          },
        ],
        expected: 'no_stream',
      },
    ];
    if (place.outcome === 'append') {
      appends.push({
        stream: deviceStreamOf(data.deviceId),
        events: deviceEventsToAppend(data.deviceId, device, place.events, metadata),
        expected: expectedOfDevice(device),
      });
    }
    try {
      await store.appendMany(appends);
      return 'admitted';
    } catch (e) {
      if ((e as Error | null)?.name === 'UnsupportedOperationError') return 'unsupported';
      if (!isStaleRevisionError(e)) throw e;
      // Either the command exists (a re-issue: the shell says duplicate or conflict), or the
      // device stream moved on (someone else queued, or presence changed): decide again.
      if (e.stream === streamOf(data.commandId)) return 'exists';
      if ((await store.readStream(streamOf(data.commandId))).length > 0) return 'exists';
    }
  }
  throw new Error(`command ${data.commandId}: the device stream of ${data.deviceId} kept moving`);
}
