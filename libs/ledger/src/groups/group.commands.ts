import { Command, Query } from '@nestjs/cqrs';
import type { Provenance } from '../services/instance-metadata.js';
import type { GroupView } from './group-view.js';

type Source = { source?: 'http' | 'bus'; issuedBy?: string };

/** `PUT /groups/{group}`: the members are exactly these (at most 10,000). Creates the group. */
export class SetGroupMembers extends Command<GroupView> {
  constructor(
    readonly group: string,
    readonly deviceIds: readonly string[],
    readonly provenance: Provenance & Source = {},
  ) {
    super();
  }
}

/** `POST /groups/{group}/devices`: these join (at most 10,000 a request). Creates the group. */
export class AddGroupMembers extends Command<GroupView> {
  constructor(
    readonly group: string,
    readonly deviceIds: readonly string[],
    readonly provenance: Provenance & Source = {},
  ) {
    super();
  }
}

/** `DELETE /groups/{group}/devices/{deviceId}`. */
export class RemoveGroupMember extends Command<GroupView> {
  constructor(
    readonly group: string,
    readonly deviceId: string,
    readonly provenance: Provenance & Source = {},
  ) {
    super();
  }
}

export interface GroupMemberList {
  readonly items: readonly { readonly deviceId: string }[];
  readonly next: string | null;
}
export const DEFAULT_MEMBER_LIMIT = 100;
export const MAX_MEMBER_LIMIT = 1000;

/** `GET /groups/{group}/devices?limit=&after=`: current members by id, from the read model. */
export class ListGroupMembersQuery extends Query<GroupMemberList> {
  constructor(
    readonly group: string,
    readonly limit: number = DEFAULT_MEMBER_LIMIT,
    readonly after: string | null = null,
  ) {
    super();
  }
}
