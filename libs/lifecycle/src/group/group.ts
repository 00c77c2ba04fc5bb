/**
 * A device group as data: the `group-<name>` stream's events, its state and `evolveGroup`.
 * Pure: no framework, no I/O, no clock. CONTRACT.md section 6 and the group rows of section 2.
 *
 * What the fold keeps, and why so little: a group holds up to 1,000,000 members, so neither
 * one event nor the state may hold them all. Each event names at most
 * {@link MAX_IDS_PER_CHANGE} devices (the API's own limit per request) and carries the member
 * count after it, so the state is the revision and that count: the last event alone gives it
 * ({@link groupStateFromLast}), without reading the stream's earlier events. Who is a member is
 * the `group_members` read model's business; a decision that needs it (a re-add, a removal)
 * takes those facts as an input stamped with the revision the read model has applied, and
 * `decideGroup` uses them only when that revision is the one it decides on. The append at that
 * revision is guarded, so a change that slipped in between makes the append stale and the
 * decision is taken again on the new revision: exact, without folding a million ids.
 */
export const MAX_GROUP_MEMBERS = 1_000_000;
/** Devices named by one request, and so by one event. */
export const MAX_IDS_PER_CHANGE = 10_000;

export const GROUP_STREAM_PREFIX = 'group-';
export const groupStreamOf = (group: string): string => `${GROUP_STREAM_PREFIX}${group}`;
export const groupOfStream = (stream: string): string | null =>
  stream.startsWith(GROUP_STREAM_PREFIX) ? stream.slice(GROUP_STREAM_PREFIX.length) : null;

export type GroupEvent =
  /** The membership is exactly `deviceIds` now (sorted, distinct); everyone else left. */
  | {
      readonly type: 'GroupMembersSet';
      readonly data: {
        readonly deviceIds: readonly string[];
        readonly memberCount: number;
        readonly at: string;
      };
    }
  /** These devices joined (only the ones that were not members: sorted, distinct). */
  | {
      readonly type: 'GroupMembersAdded';
      readonly data: {
        readonly deviceIds: readonly string[];
        readonly memberCount: number;
        readonly at: string;
      };
    }
  | {
      readonly type: 'GroupMemberRemoved';
      readonly data: {
        readonly deviceId: string;
        readonly memberCount: number;
        readonly at: string;
      };
    };
export type GroupEventType = GroupEvent['type'];
export const GROUP_EVENT_TYPES: readonly GroupEventType[] = [
  'GroupMembersSet',
  'GroupMembersAdded',
  'GroupMemberRemoved',
];

export interface GroupState {
  readonly group: string;
  /** Revision of the last event (0-based): the expected revision of the next append. */
  readonly revision: bigint;
  readonly memberCount: number;
  readonly updatedAt: string;
}

export class GroupCountMismatchError extends Error {
  override readonly name = 'GroupCountMismatchError';
  constructor(
    readonly group: string,
    readonly revision: bigint,
    readonly expected: number,
    readonly recorded: number,
  ) {
    super(
      `group ${group} revision ${revision}: the event says ${recorded} members, its change gives ${expected}`,
    );
  }
}

/** The count a change leads to, from the count before it. */
export function memberCountAfter(before: number, event: GroupEvent): number {
  switch (event.type) {
    case 'GroupMembersSet':
      return event.data.deviceIds.length;
    case 'GroupMembersAdded':
      return before + event.data.deviceIds.length;
    case 'GroupMemberRemoved':
      return before - 1;
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
}

/** Folds one event; checks the count it carries against the change it records. */
export function evolveGroup(
  group: string,
  state: GroupState | null,
  event: GroupEvent,
): GroupState {
  const revision = state ? state.revision + 1n : 0n;
  const expected = memberCountAfter(state?.memberCount ?? 0, event);
  if (expected !== event.data.memberCount) {
    throw new GroupCountMismatchError(group, revision, expected, event.data.memberCount);
  }
  return groupStateFromLast(group, event, revision);
}

export const foldGroup = (group: string, events: readonly GroupEvent[]): GroupState | null =>
  events.reduce<GroupState | null>((s, e) => evolveGroup(group, s, e), null);

/** The state from the stream's last event alone: what a decision reads for a large group. */
export const groupStateFromLast = (
  group: string,
  last: GroupEvent,
  revision: bigint,
): GroupState => ({
  group,
  revision,
  memberCount: last.data.memberCount,
  updatedAt: last.data.at,
});
