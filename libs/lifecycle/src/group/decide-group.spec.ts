/**
 * The group decider, given / when / then: given the group's events (and the read model's
 * membership facts at a revision), when a change, then the events, or why nothing changes.
 */
import { describe, it, expect } from '@jest/globals';
import { type GroupEvent, MAX_GROUP_MEMBERS, foldGroup } from './group.js';
import {
  type GroupDecision,
  type GroupInput,
  type MembershipFacts,
  decideGroup,
} from './decide-group.js';

const NOW = new Date('2026-02-01T10:00:00.000Z');
const AT = NOW.toISOString();
const EARLIER = '2026-02-01T09:00:00.000Z';
const G = 'pumps-north';

const given = (...events: GroupEvent[]) => foldGroup(G, events);
const facts = (revision: bigint | null, ...members: string[]): MembershipFacts => ({
  revision,
  members: new Set(members),
});
const when = (events: GroupEvent[], input: GroupInput): GroupDecision =>
  decideGroup(input, given(...events), NOW);

const added = (ids: string[], memberCount: number): GroupEvent => ({
  type: 'GroupMembersAdded',
  data: { deviceIds: ids, memberCount, at: EARLIER },
});
/** pump-1..3 joined at revision 0. */
const THREE = [added(['pump-1', 'pump-2', 'pump-3'], 3)];

describe('no group yet', () => {
  it('set creates it with the distinct members, sorted', () => {
    expect(when([], { kind: 'set', deviceIds: ['b', 'a', 'b'], facts: facts(null) })).toEqual({
      outcome: 'append',
      events: [
        { type: 'GroupMembersSet', data: { deviceIds: ['a', 'b'], memberCount: 2, at: AT } },
      ],
    });
  });
  it('add creates it with every distinct device (no facts needed)', () => {
    expect(when([], { kind: 'add', deviceIds: ['c', 'a', 'c'], facts: facts(null) })).toEqual({
      outcome: 'append',
      events: [
        { type: 'GroupMembersAdded', data: { deviceIds: ['a', 'c'], memberCount: 2, at: AT } },
      ],
    });
  });
  it('remove: not found (404), nothing appended', () => {
    expect(when([], { kind: 'remove', deviceId: 'a', facts: facts(null) })).toEqual({
      outcome: 'unchanged',
      reason: 'not_found',
    });
  });
  it('more than 10,000 devices in one request: rejected too_many_ids', () => {
    const ids = Array.from({ length: 10_001 }, (_, i) => `d-${i}`);
    expect(when([], { kind: 'add', deviceIds: ids, facts: facts(null) })).toMatchObject({
      outcome: 'rejected',
      code: 'too_many_ids',
    });
    expect(when([], { kind: 'set', deviceIds: ids, facts: facts(null) })).toMatchObject({
      outcome: 'rejected',
      code: 'too_many_ids',
    });
  });
});

describe('a group of three', () => {
  it('add: only the newcomers are recorded, the count rises by them', () => {
    const input: GroupInput = {
      kind: 'add',
      deviceIds: ['pump-4', 'pump-2'],
      facts: facts(0n, 'pump-2'),
    };
    expect(when(THREE, input)).toEqual({
      outcome: 'append',
      events: [
        { type: 'GroupMembersAdded', data: { deviceIds: ['pump-4'], memberCount: 4, at: AT } },
      ],
    });
  });
  it('add of members only: unchanged (duplicate)', () => {
    const input: GroupInput = { kind: 'add', deviceIds: ['pump-1'], facts: facts(0n, 'pump-1') };
    expect(when(THREE, input)).toEqual({ outcome: 'unchanged', reason: 'duplicate' });
  });
  it('set to the same members: unchanged (duplicate)', () => {
    const same = ['pump-3', 'pump-1', 'pump-2'];
    const input: GroupInput = { kind: 'set', deviceIds: same, facts: facts(0n, ...same) };
    expect(when(THREE, input)).toEqual({ outcome: 'unchanged', reason: 'duplicate' });
  });
  it('set to as many other members: the new set', () => {
    const input: GroupInput = {
      kind: 'set',
      deviceIds: ['pump-1', 'pump-2', 'pump-9'],
      facts: facts(0n, 'pump-1', 'pump-2'),
    };
    expect(when(THREE, input)).toEqual({
      outcome: 'append',
      events: [
        {
          type: 'GroupMembersSet',
          data: { deviceIds: ['pump-1', 'pump-2', 'pump-9'], memberCount: 3, at: AT },
        },
      ],
    });
  });
  it('set to a different number of members needs no facts (even stale ones)', () => {
    const input: GroupInput = { kind: 'set', deviceIds: [], facts: facts(null) };
    expect(when(THREE, input)).toEqual({
      outcome: 'append',
      events: [{ type: 'GroupMembersSet', data: { deviceIds: [], memberCount: 0, at: AT } }],
    });
  });
  it('remove a member: the count falls by one', () => {
    const input: GroupInput = { kind: 'remove', deviceId: 'pump-2', facts: facts(0n, 'pump-2') };
    expect(when(THREE, input)).toEqual({
      outcome: 'append',
      events: [
        { type: 'GroupMemberRemoved', data: { deviceId: 'pump-2', memberCount: 2, at: AT } },
      ],
    });
  });
  it('remove a non-member (or a second time): unchanged not_a_member (404)', () => {
    const input: GroupInput = { kind: 'remove', deviceId: 'pump-7', facts: facts(0n) };
    expect(when(THREE, input)).toEqual({ outcome: 'unchanged', reason: 'not_a_member' });
  });
  it('facts of another revision are never used: stale, whichever side is behind', () => {
    const behind: GroupInput = { kind: 'remove', deviceId: 'pump-2', facts: facts(null) };
    expect(when(THREE, behind)).toEqual({
      outcome: 'stale',
      factsRevision: null,
      stateRevision: 0n,
    });
    const ahead: GroupInput = { kind: 'add', deviceIds: ['pump-2'], facts: facts(1n, 'pump-2') };
    expect(when(THREE, ahead)).toMatchObject({ outcome: 'stale', factsRevision: 1n });
  });
});

describe('a group at the limit', () => {
  const FULL: GroupEvent[] = [
    added(['x'], 1),
    // The count is what the fold keeps; a full group is simulated by its count alone.
    { type: 'GroupMembersSet', data: { deviceIds: ['x'], memberCount: 1, at: EARLIER } },
  ];
  it('add past 1,000,000 members: rejected group_full', () => {
    const state = { ...given(...FULL)!, memberCount: MAX_GROUP_MEMBERS };
    const decision = decideGroup(
      { kind: 'add', deviceIds: ['newcomer'], facts: facts(1n) },
      state,
      NOW,
    );
    expect(decision).toMatchObject({ outcome: 'rejected', code: 'group_full' });
  });
  it('a re-add at the limit is still unchanged, not rejected', () => {
    const state = { ...given(...FULL)!, memberCount: MAX_GROUP_MEMBERS };
    const decision = decideGroup(
      { kind: 'add', deviceIds: ['x'], facts: facts(1n, 'x') },
      state,
      NOW,
    );
    expect(decision).toEqual({ outcome: 'unchanged', reason: 'duplicate' });
  });
});
