/**
 * `decideGroup(input, state, now)`: what a membership change means for a group, as events to
 * append at the state's revision, an explicit "unchanged", a typed rejection, or "stale" when
 * the membership facts it was given are not those of the revision it decides on.
 *
 * Membership facts come from the `group_members` read model (see group.ts for why the fold
 * does not hold them). They are trusted only when stamped with exactly the state's revision:
 * the read model has then applied every change the decision builds on, and the guarded append
 * at that revision fails if another change commits first. So "remove a non-member → 404" and
 * "a re-add is unchanged" are decided exactly, and a lagging read model delays a decision
 * ("stale": wait for it, decide again) but never falsifies one.
 */
import {
  type GroupEvent,
  type GroupState,
  MAX_GROUP_MEMBERS,
  MAX_IDS_PER_CHANGE,
} from './group.js';

export interface MembershipFacts {
  /** The group's revision the read model had applied when asked; `null`: no such group there. */
  readonly revision: bigint | null;
  /** Of the devices asked about, those that are members at `revision`. */
  readonly members: ReadonlySet<string>;
}

export type GroupInput =
  | {
      readonly kind: 'set';
      readonly deviceIds: readonly string[];
      readonly facts: MembershipFacts;
    }
  | {
      readonly kind: 'add';
      readonly deviceIds: readonly string[];
      readonly facts: MembershipFacts;
    }
  | { readonly kind: 'remove'; readonly deviceId: string; readonly facts: MembershipFacts };
export type GroupInputKind = GroupInput['kind'];

export type GroupUnchangedReason =
  /** The membership already is (set) or includes (add) what was asked. */
  | 'duplicate'
  /** Removing a device that is not a member: the API answers 404. */
  | 'not_a_member'
  /** Removing from a group that does not exist: the API answers 404. */
  | 'not_found';

export type GroupRejectionCode =
  /** More than {@link MAX_IDS_PER_CHANGE} devices in one request (413). */
  | 'too_many_ids'
  /** The change would take the group past {@link MAX_GROUP_MEMBERS} (413). */
  | 'group_full';

export type GroupDecision =
  | { readonly outcome: 'append'; readonly events: readonly GroupEvent[] }
  | { readonly outcome: 'unchanged'; readonly reason: GroupUnchangedReason }
  | {
      readonly outcome: 'rejected';
      readonly code: GroupRejectionCode;
      readonly message: string;
    }
  /** The facts are of another revision: let the read model catch up (or re-read), then decide again. */
  | {
      readonly outcome: 'stale';
      readonly factsRevision: bigint | null;
      readonly stateRevision: bigint | null;
    };

/** Distinct and sorted (code-unit order; device ids are ASCII, so also byte order). */
export const distinctSorted = (ids: readonly string[]): string[] =>
  [...new Set(ids)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

export function decideGroup(input: GroupInput, state: GroupState | null, now: Date): GroupDecision {
  const at = now.toISOString();
  const count = state?.memberCount ?? 0;
  const factsFit = input.facts.revision === (state?.revision ?? null);
  const stale: GroupDecision = {
    outcome: 'stale',
    factsRevision: input.facts.revision,
    stateRevision: state?.revision ?? null,
  };
  switch (input.kind) {
    case 'set': {
      const tooMany = tooManyIds(input.deviceIds);
      if (tooMany) return tooMany;
      const ids = distinctSorted(input.deviceIds);
      // Only the same number of members can be the same set; only then are facts needed.
      if (state && count === ids.length) {
        if (!factsFit) return stale;
        if (ids.every((id) => input.facts.members.has(id))) return unchanged('duplicate');
      }
      return append({
        type: 'GroupMembersSet',
        data: { deviceIds: ids, memberCount: ids.length, at },
      });
    }
    case 'add': {
      const tooMany = tooManyIds(input.deviceIds);
      if (tooMany) return tooMany;
      const ids = distinctSorted(input.deviceIds);
      if (state && !factsFit) return stale;
      const joining = state ? ids.filter((id) => !input.facts.members.has(id)) : ids;
      if (state && joining.length === 0) return unchanged('duplicate');
      if (count + joining.length > MAX_GROUP_MEMBERS) {
        return {
          outcome: 'rejected',
          code: 'group_full',
          message: `the group has ${count} members; ${joining.length} more would pass the limit of ${MAX_GROUP_MEMBERS}`,
        };
      }
      return append({
        type: 'GroupMembersAdded',
        data: { deviceIds: joining, memberCount: count + joining.length, at },
      });
    }
    case 'remove':
      if (!state) return unchanged('not_found');
      if (!factsFit) return stale;
      if (!input.facts.members.has(input.deviceId)) return unchanged('not_a_member');
      return append({
        type: 'GroupMemberRemoved',
        data: { deviceId: input.deviceId, memberCount: count - 1, at },
      });
    default: {
      const _exhaustive: never = input;
      return _exhaustive;
    }
  }
}

const append = (...events: GroupEvent[]): GroupDecision => ({ outcome: 'append', events });
const unchanged = (reason: GroupUnchangedReason): GroupDecision => ({
  outcome: 'unchanged',
  reason,
});

function tooManyIds(ids: readonly string[]): GroupDecision | null {
  return ids.length > MAX_IDS_PER_CHANGE
    ? {
        outcome: 'rejected',
        code: 'too_many_ids',
        message: `${ids.length} devices in one request; at most ${MAX_IDS_PER_CHANGE}`,
      }
    : null;
}
