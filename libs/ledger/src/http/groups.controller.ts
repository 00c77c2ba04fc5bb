import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiTags } from '@nestjs/swagger';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import {
  AddGroupMembers,
  DEFAULT_MEMBER_LIMIT,
  GroupError,
  type GroupMemberList,
  type GroupView,
  ListGroupMembersQuery,
  RemoveGroupMember,
  SetGroupMembers,
} from '../index.js';
import { DeviceIdPipe } from './device-id.pipe.js';
import { Ok, Unauthorized, error } from './openapi/responses.js';
import { RatchetRoute } from './ratchet-route.decorator.js';
import { Caller } from './caller.decorator.js';
import { RequireScope } from './require-scope.decorator.js';

/** `{ "deviceIds": [...] }`, and nothing else. */
const deviceIdsOf = (body: unknown): readonly string[] => {
  const b = body as { deviceIds?: unknown } | null;
  const extra = b && typeof b === 'object' ? Object.keys(b).filter((k) => k !== 'deviceIds') : [];
  if (!b || typeof b !== 'object' || !Array.isArray(b.deviceIds) || extra.length > 0) {
    throw new GroupError('invalid_request', [
      'the body must be { "deviceIds": [ …device ids… ] }' +
        (extra.length > 0 ? ` (unknown fields: ${extra.join(', ')})` : ''),
    ]);
  }
  return b.deviceIds as readonly string[];
};

/** `?limit=` as plain digits, like the command lists. */
const limitOf = (value: string | undefined): number => {
  if (value === undefined || value === '') return DEFAULT_MEMBER_LIMIT;
  if (!/^[0-9]{1,4}$/.test(value)) {
    throw new GroupError('invalid_request', ['limit must be a whole number from 1 to 1000']);
  }
  return Number(value);
};

const membersBody = {
  schema: {
    type: 'object',
    properties: { deviceIds: { type: 'array', items: { type: 'string' }, maxItems: 10_000 } },
    required: ['deviceIds'],
    additionalProperties: false,
    example: { deviceIds: ['pump-1', 'pump-2'] },
  },
};

@ApiTags('groups')
@ApiBearerAuth()
@RatchetRoute()
@Controller('groups')
export class GroupsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Put(':group')
  @RequireScope('admin')
  @ApiBody(membersBody)
  @Ok(
    200,
    "The group's members are exactly these now (changed: false when they already were).",
    'Group',
  )
  @error(400, 'Not a group name, or not a list of device ids.')
  @error(413, 'More than 10,000 device ids.')
  @Unauthorized()
  set(
    @Param('group', DeviceIdPipe) group: string,
    @Body() body: unknown,
    @Caller() caller: string,
  ): Promise<GroupView> {
    return this.commands.execute(
      new SetGroupMembers(group, deviceIdsOf(body), { source: 'http', issuedBy: caller }),
    );
  }

  @Post(':group/devices')
  @RequireScope('admin')
  @HttpCode(200)
  @ApiBody(membersBody)
  @Ok(200, 'These devices are members now (the group is created if need be).', 'Group')
  @error(400, 'Not a group name, or not a list of device ids.')
  @error(413, 'More than 10,000 device ids, or the group would pass 1,000,000 members.')
  @Unauthorized()
  add(
    @Param('group', DeviceIdPipe) group: string,
    @Body() body: unknown,
    @Caller() caller: string,
  ): Promise<GroupView> {
    return this.commands.execute(
      new AddGroupMembers(group, deviceIdsOf(body), { source: 'http', issuedBy: caller }),
    );
  }

  @Delete(':group/devices/:deviceId')
  @RequireScope('admin')
  @Ok(200, 'The device is no longer a member.', 'Group')
  @error(400, 'Not a group name or not a device id.')
  @error(404, 'No such group, or the device is not a member.')
  @Unauthorized()
  remove(
    @Param('group', DeviceIdPipe) group: string,
    @Param('deviceId', DeviceIdPipe) deviceId: string,
    @Caller() caller: string,
  ): Promise<GroupView> {
    return this.commands.execute(
      new RemoveGroupMember(group, deviceId, { source: 'http', issuedBy: caller }),
    );
  }

  @Get(':group/devices')
  @RequireScope('read')
  @Ok(200, 'Members by device id, cursor paged.', 'GroupMemberList')
  @error(400, 'Not a group name, a bad limit (1 to 1000) or cursor.')
  @error(404, 'No such group.')
  @Unauthorized()
  list(
    @Param('group', DeviceIdPipe) group: string,
    @Query('limit') limit?: string,
    @Query('after') after?: string,
  ): Promise<GroupMemberList> {
    return this.queries.execute(
      new ListGroupMembersQuery(
        group,
        limitOf(limit),
        after === undefined || after === '' ? null : after,
      ),
    );
  }
}
