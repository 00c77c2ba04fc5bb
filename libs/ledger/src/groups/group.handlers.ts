import { Inject, Logger, Optional } from '@nestjs/common';
import {
  CommandHandler,
  type ICommandHandler,
  type IQueryHandler,
  QueryHandler,
} from '@nestjs/cqrs';
import { EVENT_STORE, type EventStore } from '@ratchet/event-store';
import { DEVICE_ID_PATTERN, MAX_IDS_PER_CHANGE, isDeviceId } from '@ratchet/lifecycle';
import { READ_MODEL_STORE, type ReadModelStore, decodeMemberCursor } from '@ratchet/read-models';
import { ReadModelsUnavailableError } from '../read-models-unavailable.error.js';
import { InstanceMetadata, issuerProblem } from '../services/instance-metadata.js';
import { LedgerClock } from '../services/ledger-clock.js';
import { type GroupChange, changeGroup } from './change-group.js';
import { GroupError } from './group-error.js';
import {
  AddGroupMembers,
  type GroupMemberList,
  ListGroupMembersQuery,
  MAX_MEMBER_LIMIT,
  RemoveGroupMember,
  SetGroupMembers,
} from './group.commands.js';
import { type GroupView, toGroupView } from './group-view.js';

/** The bus has callers besides HTTP: names and ids are checked here. */
export function groupRequestProblems(group: unknown, deviceIds: unknown): string[] {
  const problems: string[] = [];
  if (!isDeviceId(group)) problems.push(`group must match ${DEVICE_ID_PATTERN.source}`);
  if (!Array.isArray(deviceIds)) return [...problems, 'deviceIds must be an array of device ids'];
  const bad = deviceIds.filter((id) => !isDeviceId(id));
  if (bad.length > 0) {
    problems.push(
      `deviceIds must match ${DEVICE_ID_PATTERN.source}: ${bad
        .slice(0, 5)
        .map((id) => JSON.stringify(id))
        .join(', ')}${bad.length > 5 ? ` and ${bad.length - 5} more` : ''}`,
    );
  }
  return problems;
}

abstract class GroupChangeHandler {
  protected readonly logger = new Logger('Groups');
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly meta: InstanceMetadata,
    private readonly clock: LedgerClock,
    @Optional() @Inject(READ_MODEL_STORE) private readonly readModels?: ReadModelStore | null,
  ) {}

  protected async change(
    what: string,
    group: string,
    change: GroupChange,
    provenance: SetGroupMembers['provenance'],
  ): Promise<GroupView> {
    if (!this.readModels) throw new ReadModelsUnavailableError(what);
    const ids = change.kind === 'remove' ? [change.deviceId] : change.deviceIds;
    if (Array.isArray(ids) && ids.length > MAX_IDS_PER_CHANGE) {
      throw new GroupError('too_many_ids', [
        `${ids.length} devices in one request; at most ${MAX_IDS_PER_CHANGE}`,
      ]);
    }
    const problems = groupRequestProblems(group, ids);
    if (problems.length > 0) throw new GroupError('invalid_request', problems);
    const issuer = provenance.issuedBy === undefined ? null : issuerProblem(provenance.issuedBy);
    if (issuer) throw new GroupError('invalid_request', [issuer]);
    const metadata = this.meta.build(
      provenance.source ?? 'bus',
      provenance.correlationId,
      provenance.causationId,
      provenance.issuedBy === undefined ? undefined : { issuedBy: provenance.issuedBy },
    );
    const result = await changeGroup(this.store, this.readModels, group, change, metadata, {
      now: this.clock.now,
    });
    if (result.changed) {
      this.logger.log(
        `group=${group} ${change.kind} ${ids.length} device(s): ${result.state.memberCount} members at revision ${result.state.revision}` +
          (result.retries > 0 ? ` (decided ${result.retries + 1} times)` : ''),
      );
    }
    return toGroupView(result.state, result.changed);
  }
}

@CommandHandler(SetGroupMembers)
export class SetGroupMembersHandler
  extends GroupChangeHandler
  implements ICommandHandler<SetGroupMembers, GroupView>
{
  execute(c: SetGroupMembers): Promise<GroupView> {
    return this.change(
      'SetGroupMembers',
      c.group,
      { kind: 'set', deviceIds: c.deviceIds },
      c.provenance,
    );
  }
}

@CommandHandler(AddGroupMembers)
export class AddGroupMembersHandler
  extends GroupChangeHandler
  implements ICommandHandler<AddGroupMembers, GroupView>
{
  execute(c: AddGroupMembers): Promise<GroupView> {
    return this.change(
      'AddGroupMembers',
      c.group,
      { kind: 'add', deviceIds: c.deviceIds },
      c.provenance,
    );
  }
}

@CommandHandler(RemoveGroupMember)
export class RemoveGroupMemberHandler
  extends GroupChangeHandler
  implements ICommandHandler<RemoveGroupMember, GroupView>
{
  execute(c: RemoveGroupMember): Promise<GroupView> {
    return this.change(
      'RemoveGroupMember',
      c.group,
      { kind: 'remove', deviceId: c.deviceId },
      c.provenance,
    );
  }
}

@QueryHandler(ListGroupMembersQuery)
export class ListGroupMembersHandler implements IQueryHandler<
  ListGroupMembersQuery,
  GroupMemberList
> {
  constructor(
    @Optional() @Inject(READ_MODEL_STORE) private readonly readModels?: ReadModelStore | null,
  ) {}

  async execute({ group, limit, after }: ListGroupMembersQuery): Promise<GroupMemberList> {
    if (!this.readModels) throw new ReadModelsUnavailableError('ListGroupMembersQuery');
    const problems = [
      ...(isDeviceId(group) ? [] : [`group must match ${DEVICE_ID_PATTERN.source}`]),
      ...(Number.isInteger(limit) && limit >= 1 && limit <= MAX_MEMBER_LIMIT
        ? []
        : [`limit must be a whole number from 1 to ${MAX_MEMBER_LIMIT}`]),
    ];
    const afterId = after === null ? null : decodeMemberCursor(after);
    if (after !== null && afterId === null) {
      problems.push('after must be the "next" cursor of a previous page');
    }
    if (problems.length > 0) throw new GroupError('invalid_request', problems);
    const page = await this.readModels.listGroupMembers(group, limit, afterId);
    if (!page.head) throw new GroupError('not_found', [`group ${group} does not exist`]);
    return { items: page.items, next: page.next };
  }
}
