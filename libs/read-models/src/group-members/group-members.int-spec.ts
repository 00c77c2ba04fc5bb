import { expect, it } from '@jest/globals';
import type { EventStore } from '@ratchet/event-store';
import { type GroupEvent, groupStreamOf, revisionEventId } from '@ratchet/lifecycle';
import { randomUUID } from 'node:crypto';
import { describeOnBothDatabases } from '../../test/read-model-fixture.js';

/** Appends group events as the ledger would: one per revision, guarded. */
const writeGroup = async (store: EventStore, group: string, events: GroupEvent[]) => {
  const stream = groupStreamOf(group);
  let revision = BigInt((await store.readStream(stream)).length) - 1n;
  for (const e of events) {
    await store.append(
      stream,
      [{ id: revisionEventId(stream, revision + 1n), type: e.type, data: { ...e.data } }],
      revision < 0n ? 'no_stream' : revision,
    );
    revision += 1n;
  }
};
const at = '2026-03-01T12:00:00.000Z';
const set = (ids: string[]): GroupEvent => ({
  type: 'GroupMembersSet',
  data: { deviceIds: ids, memberCount: ids.length, at },
});
const added = (ids: string[], memberCount: number): GroupEvent => ({
  type: 'GroupMembersAdded',
  data: { deviceIds: ids, memberCount, at },
});
const removed = (deviceId: string, memberCount: number): GroupEvent => ({
  type: 'GroupMemberRemoved',
  data: { deviceId, memberCount, at },
});

describeOnBothDatabases('group_members', (fixture) => {
  it('knows the members now, at a past revision, and who joined after it', async () => {
    const g = `g-${randomUUID().slice(0, 8)}`;
    await writeGroup(fixture().eventStore, g, [
      set(['a', 'b', 'c', 'd']), // 0
      removed('b', 3), // 1: a c d
      added(['e', 'b'], 5), // 2: a b c d e   (b re-added)
      set(['a', 'c', 'f']), // 3: a c f       (b d e leave, f joins)
      added(['d'], 4), // 4: a c d f       (d re-added)
    ]);
    const store = await fixture().open({ batchSize: 2 });
    await store.catchUp();

    expect(await store.groupHead(g)).toEqual({
      group: g,
      revision: 4n,
      memberCount: 4,
      updatedAt: at,
    });
    const page1 = await store.listGroupMembers(g, 3, null);
    expect(page1.items.map((i) => i.deviceId)).toEqual(['a', 'c', 'd']);
    const page2 = await store.listGroupMembers(g, 3, 'd');
    expect(page2.items.map((i) => i.deviceId)).toEqual(['f']);
    expect(page2.next).toBeNull();
    expect(page1.next).not.toBeNull();
    expect(await store.groupMembership(g, ['a', 'b', 'd', 'zz'])).toEqual({
      head: expect.objectContaining({ revision: 4n }),
      members: expect.arrayContaining(['a', 'd']),
    });
    expect((await store.groupMembership(g, ['a', 'b', 'd'])).members).toHaveLength(2);

    const ids = async (rev: bigint, continuous: boolean, limit = 100) =>
      (await store.groupTargets(g, rev, continuous, null, limit))?.map(
        (t) => `${t.deviceId}@${t.groupRevision}`,
      );
    expect(await ids(1n, false)).toEqual(['a@1', 'c@1', 'd@1']);
    expect(await ids(2n, false)).toEqual(['a@2', 'b@2', 'c@2', 'd@2', 'e@2']);
    // Joined after revision 1: b and e at 2, f at 3; d was in the snapshot, so its re-add is not.
    expect(await ids(1n, true)).toEqual(['a@1', 'c@1', 'd@1', 'b@2', 'e@2', 'f@3']);
    // Paged by the cursor, in the same order.
    const seen: string[] = [];
    let through = null;
    for (;;) {
      const next = await store.groupTargets(g, 1n, true, through, 2);
      if (!next || next.length === 0) break;
      seen.push(...next.map((t) => t.deviceId));
      through = next[next.length - 1]!;
    }
    expect(seen).toEqual(['a', 'c', 'd', 'b', 'e', 'f']);
    // A revision the read model has not applied yet: not read.
    expect(await store.groupTargets(g, 9n, false, null, 10)).toBeNull();
    expect(await store.groupHead('no-such-group')).toBeNull();
    expect((await store.listGroupMembers('no-such-group', 10, null)).head).toBeNull();
  });
});
