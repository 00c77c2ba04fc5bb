import type { GroupHead } from '@ratchet/read-models';

export type GroupErrorCode =
  /** Not a group name, not device ids, a bad cursor (400). */
  | 'invalid_request'
  /** More than 10,000 ids in one request, or the group would pass 1,000,000 members (413). */
  | 'too_many_ids'
  | 'group_full'
  /** No such group, or (remove) not a member (404). */
  | 'not_found'
  | 'not_a_member'
  /** The group_members read model did not catch up with the group's stream in time (503). */
  | 'read_model_behind';

/** A group request that cannot be done, with a stable code the HTTP layer maps to a status. */
export class GroupError extends Error {
  override readonly name = 'GroupError';
  constructor(
    readonly code: GroupErrorCode,
    readonly messages: readonly string[],
    readonly group: GroupHead | null = null,
  ) {
    super(messages.join('; '));
  }
}
