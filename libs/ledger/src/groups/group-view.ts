import type { GroupState } from '@ratchet/lifecycle';

/** A group as the group endpoints answer it. */
export interface GroupView {
  readonly group: string;
  readonly memberCount: number;
  /** The group stream's revision after the change (the one it was found at, when unchanged). */
  readonly revision: number;
  readonly updatedAt: string;
  /** `false`: the membership already was what was asked (a repeated request). */
  readonly changed: boolean;
}

export const toGroupView = (s: GroupState, changed: boolean): GroupView => ({
  group: s.group,
  memberCount: s.memberCount,
  revision: Number(s.revision),
  updatedAt: s.updatedAt,
  changed,
});
