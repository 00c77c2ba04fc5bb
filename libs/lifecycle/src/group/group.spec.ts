/** The group fold: counts checked against the changes, the state from the last event alone. */
import { describe, it, expect } from '@jest/globals';
import {
  type GroupEvent,
  GroupCountMismatchError,
  foldGroup,
  groupOfStream,
  groupStateFromLast,
  groupStreamOf,
} from './group.js';

const AT = '2026-02-01T10:00:00.000Z';
const STREAM: GroupEvent[] = [
  { type: 'GroupMembersAdded', data: { deviceIds: ['a', 'b'], memberCount: 2, at: AT } },
  { type: 'GroupMemberRemoved', data: { deviceId: 'a', memberCount: 1, at: AT } },
  { type: 'GroupMembersSet', data: { deviceIds: ['x', 'y', 'z'], memberCount: 3, at: AT } },
];

describe('foldGroup', () => {
  it('keeps the revision and the count', () => {
    expect(foldGroup('g', STREAM)).toEqual({
      group: 'g',
      revision: 2n,
      memberCount: 3,
      updatedAt: AT,
    });
  });
  it('equals the state read from the last event alone', () => {
    expect(groupStateFromLast('g', STREAM[2]!, 2n)).toEqual(foldGroup('g', STREAM));
  });
  it('refuses an event whose count does not follow from its change', () => {
    const bad: GroupEvent = {
      type: 'GroupMembersAdded',
      data: { deviceIds: ['c'], memberCount: 5, at: AT },
    };
    expect(() => foldGroup('g', [...STREAM, bad])).toThrow(GroupCountMismatchError);
  });
});

describe('stream names', () => {
  it('round-trip', () => {
    expect(groupOfStream(groupStreamOf('pumps-north'))).toBe('pumps-north');
    expect(groupOfStream('fleet-x')).toBeNull();
  });
});
