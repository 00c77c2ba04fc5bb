import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  AddGroupMembers,
  GroupError,
  ListGroupMembersQuery,
  RemoveGroupMember,
  SetGroupMembers,
  type GroupView,
} from '@ratchet/ledger';
import { type GroupEvent, foldGroup, groupStreamOf } from '@ratchet/lifecycle';
import {
  type LedgerCluster,
  eventually,
  postgresAvailable,
  startPgliteLedger,
  startPostgresLedgers,
} from './ledger-instances.js';

/** Members as the stream says, by replaying its events as sets (the read model's reference). */
const membersFromStream = async (cluster: LedgerCluster, group: string): Promise<string[]> => {
  const events = await cluster.eventStore.readStream(groupStreamOf(group));
  const members = new Set<string>();
  for (const e of events) {
    const d = e.data as { deviceIds?: string[]; deviceId?: string };
    if (e.type === 'GroupMembersSet') members.clear();
    for (const id of d.deviceIds ?? []) members.add(id);
    if (e.type === 'GroupMemberRemoved') members.delete(d.deviceId!);
  }
  return [...members].sort();
};

const allMembers = async (cluster: LedgerCluster, group: string, size = 3): Promise<string[]> => {
  const out: string[] = [];
  let after: string | null = null;
  for (;;) {
    const page: { items: readonly { deviceId: string }[]; next: string | null } =
      await cluster.instances[0]!.queries.execute(new ListGroupMembersQuery(group, size, after));
    out.push(...page.items.map((i) => i.deviceId));
    if (!page.next) return out;
    after = page.next;
  }
};

const errorCode = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e: unknown) => (e instanceof GroupError ? e.code : String(e)),
  );

describe('groups on the embedded default (PGlite)', () => {
  let cluster: LedgerCluster;
  beforeAll(async () => {
    cluster = await startPgliteLedger();
  });
  afterAll(() => cluster?.close());

  it('sets, adds, removes and lists members in pages, with exact answers for repeats and non-members', async () => {
    const bus = cluster.instances[0]!.bus;
    const set: GroupView = await bus.execute(
      new SetGroupMembers('pumps', ['p3', 'p1', 'p2', 'p1']),
    );
    expect(set).toMatchObject({ group: 'pumps', memberCount: 3, revision: 0, changed: true });
    // Right after the change (the read model may lag): a repeat is recognised, not appended twice.
    expect(await bus.execute(new SetGroupMembers('pumps', ['p1', 'p2', 'p3']))).toMatchObject({
      revision: 0,
      changed: false,
    });
    expect(await bus.execute(new AddGroupMembers('pumps', ['p4', 'p2']))).toMatchObject({
      memberCount: 4,
      revision: 1,
      changed: true,
    });
    expect(await bus.execute(new AddGroupMembers('pumps', ['p4']))).toMatchObject({
      changed: false,
    });
    expect(await bus.execute(new RemoveGroupMember('pumps', 'p1'))).toMatchObject({
      memberCount: 3,
      revision: 2,
    });
    expect(await errorCode(bus.execute(new RemoveGroupMember('pumps', 'p1')))).toBe('not_a_member');
    expect(await errorCode(bus.execute(new RemoveGroupMember('nobody', 'p1')))).toBe('not_found');
    expect(await errorCode(bus.execute(new AddGroupMembers('pumps', ['bad id'])))).toBe(
      'invalid_request',
    );
    expect(await errorCode(bus.execute(new AddGroupMembers('-bad', ['p1'])))).toBe(
      'invalid_request',
    );
    const many = Array.from({ length: 10_001 }, (_, i) => `d${i}`);
    expect(await errorCode(bus.execute(new SetGroupMembers('pumps', many)))).toBe('too_many_ids');
    await eventually(async () =>
      expect(await allMembers(cluster, 'pumps')).toEqual(['p2', 'p3', 'p4']),
    );
    expect(
      await errorCode(cluster.instances[0]!.queries.execute(new ListGroupMembersQuery('nobody'))),
    ).toBe('not_found');
    expect(
      await errorCode(
        cluster.instances[0]!.queries.execute(new ListGroupMembersQuery('pumps', 10, 'junk')),
      ),
    ).toBe('invalid_request');
  });

  it("records who changed the group: the caller's principal, anonymous without one", async () => {
    const bus = cluster.instances[0]!.bus;
    await bus.execute(
      new SetGroupMembers('who-group', ['w-1', 'w-2'], { issuedBy: 'fleet-admin' }),
    );
    await bus.execute(new RemoveGroupMember('who-group', 'w-1', { issuedBy: 'night-shift' }));
    await bus.execute(new AddGroupMembers('who-group', ['w-3']));
    const events = await cluster.eventStore.readStream(groupStreamOf('who-group'));
    expect(events.map((e) => [e.type, e.metadata?.issuedBy])).toEqual([
      ['GroupMembersSet', 'fleet-admin'],
      ['GroupMemberRemoved', 'night-shift'],
      ['GroupMembersAdded', 'anonymous'],
    ]);
    expect(
      await errorCode(bus.execute(new AddGroupMembers('who-group', ['w-4'], { issuedBy: '' }))),
    ).toBe('invalid_request');
  });

  it('grows a group past one request (10,000 ids an event) without one giant append', async () => {
    const bus = cluster.instances[0]!.bus;
    for (let chunk = 0; chunk < 3; chunk += 1) {
      const ids = Array.from(
        { length: 10_000 },
        (_, i) => `big-${chunk}-${String(i).padStart(5, '0')}`,
      );
      await bus.execute(new AddGroupMembers('big', ids));
    }
    const events = await cluster.eventStore.readStream(groupStreamOf('big'));
    expect(events).toHaveLength(3);
    expect(events.every((e) => (e.data.deviceIds as string[]).length === 10_000)).toBe(true);
    expect(foldGroup('big', events as unknown as GroupEvent[])?.memberCount).toBe(30_000);
    // A set replaces the whole membership in one event of its own size.
    const set: GroupView = await bus.execute(new SetGroupMembers('big', ['big-0-00001', 'z']));
    expect(set.memberCount).toBe(2);
    await eventually(async () =>
      expect(await allMembers(cluster, 'big', 1000)).toEqual(['big-0-00001', 'z']),
    );
  });
});

const pg = await postgresAvailable();
(pg ? describe : describe.skip)('groups on PostgreSQL with two instances', () => {
  let cluster: LedgerCluster;
  beforeAll(async () => {
    cluster = await startPostgresLedgers(2);
  });
  afterAll(() => cluster?.close());

  it('two concurrent changes on two instances both land, counts consistent', async () => {
    const [a, b] = cluster.instances;
    await a!.bus.execute(new SetGroupMembers('race', ['x']));
    const [one, two] = await Promise.all([
      a!.bus.execute(new AddGroupMembers('race', ['a1', 'a2'])),
      b!.bus.execute(new AddGroupMembers('race', ['b1', 'a2'])),
    ]);
    expect([one.changed, two.changed]).toEqual([true, true]);
    const events = await cluster.eventStore.readStream(groupStreamOf('race'));
    // foldGroup checks every event's memberCount against the change it records.
    expect(foldGroup('race', events as unknown as GroupEvent[])?.memberCount).toBe(4);
    expect(await membersFromStream(cluster, 'race')).toEqual(['a1', 'a2', 'b1', 'x'].sort());
  });

  it('any interleaving of concurrent changes: the stream folds, the read model equals it (fast-check)', async () => {
    let run = 0;
    const ids = fc.constantFrom('d1', 'd2', 'd3', 'd4');
    const op = fc.oneof(
      fc.record({
        kind: fc.constant('add' as const),
        ids: fc.array(ids, { minLength: 1, maxLength: 3 }),
      }),
      fc.record({ kind: fc.constant('set' as const), ids: fc.array(ids, { maxLength: 3 }) }),
      fc.record({ kind: fc.constant('remove' as const), id: ids }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(op, fc.nat(1)), { minLength: 2, maxLength: 5 }),
        async (ops) => {
          const group = `prop-${(run += 1)}`;
          const outcomes = await Promise.all(
            ops.map(([o, at]) => {
              const bus = cluster.instances[at]!.bus;
              const c =
                o.kind === 'add'
                  ? new AddGroupMembers(group, o.ids)
                  : o.kind === 'set'
                    ? new SetGroupMembers(group, o.ids)
                    : new RemoveGroupMember(group, o.id);
              return errorCode(bus.execute(c));
            }),
          );
          expect(outcomes.every((o) => ['ok', 'not_a_member', 'not_found'].includes(o))).toBe(true);
          const events = await cluster.eventStore.readStream(groupStreamOf(group));
          const state = foldGroup(group, events as unknown as GroupEvent[]);
          const expected = await membersFromStream(cluster, group);
          expect(state?.memberCount ?? 0).toBe(expected.length);
          if (state) {
            await eventually(async () =>
              expect(await allMembers(cluster, group)).toEqual(expected),
            );
          }
        },
      ),
      { numRuns: 15 },
    );
  }, 120_000);
});
