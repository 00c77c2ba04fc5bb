/**
 * Properties of groups over random changes, raced in pairs on one revision as two instances
 * would, against a guarded store and a `group_members` read model that lags.
 */
import { describe, it, expect } from '@jest/globals';
import fc from 'fast-check';
import { type GroupEvent, type GroupState, foldGroup, groupStateFromLast } from './group.js';
import { type GroupDecision, type GroupInput, decideGroup } from './decide-group.js';

const G = 'g';
const NOW = new Date('2026-02-01T10:00:00.000Z');
const DEVICES = ['a', 'b', 'c', 'd', 'e', 'f'];

type Change =
  | { kind: 'set'; deviceIds: string[] }
  | { kind: 'add'; deviceIds: string[] }
  | { kind: 'remove'; deviceId: string };
const device = fc.constantFrom(...DEVICES);
const change: fc.Arbitrary<Change> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), deviceIds: fc.array(device, { maxLength: 5 }) }),
  fc.record({ kind: fc.constant('add' as const), deviceIds: fc.array(device, { maxLength: 4 }) }),
  fc.record({ kind: fc.constant('remove' as const), deviceId: device }),
);

/** The membership a prefix of the stream means (what group_members holds once caught up). */
function membersAfter(events: readonly GroupEvent[]): Set<string> {
  const m = new Set<string>();
  for (const e of events) {
    if (e.type === 'GroupMembersSet') {
      m.clear();
      e.data.deviceIds.forEach((id) => m.add(id));
    } else if (e.type === 'GroupMembersAdded') e.data.deviceIds.forEach((id) => m.add(id));
    else m.delete(e.data.deviceId);
  }
  return m;
}

/** A guarded store for one stream and a read model that has applied `applied` events. */
class World {
  readonly events: GroupEvent[] = [];
  applied = 0;
  state(): GroupState | null {
    const last = this.events.at(-1);
    return last ? groupStateFromLast(G, last, BigInt(this.events.length - 1)) : null;
  }
  input(c: Change): GroupInput {
    const members = membersAfter(this.events.slice(0, this.applied));
    const asked = c.kind === 'remove' ? [c.deviceId] : c.deviceIds;
    const facts = {
      revision: this.applied === 0 ? null : BigInt(this.applied - 1),
      members: new Set(asked.filter((id) => members.has(id))),
    };
    return { ...c, facts } as GroupInput;
  }
  /** The append at `expected` (null: no stream): false when another change committed first. */
  append(expected: bigint | null, events: readonly GroupEvent[]): boolean {
    if ((this.events.length === 0 ? null : BigInt(this.events.length - 1)) !== expected)
      return false;
    this.events.push(...events);
    return true;
  }
}

/** The ledger's loop: decide, append at the revision, on stale facts let the projection catch up. */
function settle(
  w: World,
  c: Change,
  first?: { d: GroupDecision; on: bigint | null },
): GroupDecision {
  let pending = first;
  for (let i = 0; i < 20; i += 1) {
    const s = w.state();
    const on = pending ? pending.on : (s?.revision ?? null);
    const d = pending?.d ?? decideGroup(w.input(c), s, NOW);
    pending = undefined;
    if (d.outcome === 'stale') w.applied = w.events.length;
    else if (d.outcome !== 'append' || w.append(on, d.events)) return d;
  }
  throw new Error('did not settle');
}

describe('groups under racing changes', () => {
  it('every event agrees with the membership before it; the count is the true size; fold = last event', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ c: change, racer: fc.option(change), lag: fc.nat(3) }), {
          maxLength: 25,
        }),
        (steps) => {
          const w = new World();
          for (const { c, racer, lag } of steps) {
            w.applied = Math.max(0, w.events.length - lag); // the read model lags by up to `lag`
            const s = w.state();
            const before = membersAfter(w.events);
            if (racer) {
              // Both decide on the same revision; the racer commits first, c must re-decide.
              const mine = { d: decideGroup(w.input(c), s, NOW), on: s?.revision ?? null };
              settle(w, racer);
              settle(w, c, mine);
            } else {
              const d = settle(w, c);
              checkMeaning(c, d, before, s !== null);
            }
          }
          // Each event is right about the membership it was appended to.
          w.events.forEach((e, i) => {
            const prior = membersAfter(w.events.slice(0, i));
            const after = membersAfter(w.events.slice(0, i + 1));
            expect(e.data.memberCount).toBe(after.size);
            if (e.type === 'GroupMembersAdded') {
              // Only the add that creates a group may name nobody new.
              if (i > 0) expect(e.data.deviceIds.length).toBeGreaterThan(0);
              e.data.deviceIds.forEach((id) => expect(prior.has(id)).toBe(false));
            }
            if (e.type === 'GroupMemberRemoved') expect(prior.has(e.data.deviceId)).toBe(true);
          });
          expect(foldGroup(G, w.events)).toEqual(w.state());
        },
      ),
      { numRuns: 300 },
    );
  });
});

/** What an unraced change must have decided, from the true membership before it. */
function checkMeaning(c: Change, d: GroupDecision, before: Set<string>, exists: boolean): void {
  const expected = (unchanged: boolean) => (exists && unchanged ? 'unchanged' : 'append');
  switch (c.kind) {
    case 'add':
      expect(d.outcome).toBe(expected(c.deviceIds.every((id) => before.has(id))));
      return;
    case 'remove':
      expect(d.outcome).toBe(exists && before.has(c.deviceId) ? 'append' : 'unchanged');
      return;
    case 'set': {
      const same =
        new Set(c.deviceIds).size === before.size && c.deviceIds.every((id) => before.has(id));
      expect(d.outcome).toBe(expected(same));
      return;
    }
  }
}
