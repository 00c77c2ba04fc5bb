import { groupStreamOf } from '@ratchet/lifecycle';
import type { ReadModelStore } from '@ratchet/read-models';
import type { EventStore } from '@ratchet/event-store';
import { FleetError } from './fleet-error.js';

/**
 * A target group's revision and member count as the fleet's snapshot: the `group_members`
 * head, once a tail read shows nothing after it (the snapshot's rows are then complete).
 */
export async function groupSnapshot(
  store: EventStore,
  readModels: ReadModelStore,
  group: string,
  timeoutMs = 10_000,
): Promise<{ revision: number; memberCount: number }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const head = await readModels.groupHead(group);
    const tail = await store.readStream(groupStreamOf(group), {
      fromRevision: head ? head.revision + 1n : 0n,
    });
    if (tail.length === 0) {
      if (!head) throw new FleetError('invalid_request', [`target.group ${group} does not exist`]);
      return { revision: Number(head.revision), memberCount: head.memberCount };
    }
    if (Date.now() > deadline) {
      throw new FleetError('read_model_behind', [
        `group ${group}: the group_members read model did not reach the stream's head in time; try again`,
      ]);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}
