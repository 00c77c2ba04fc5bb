import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { QueryBus } from '@nestjs/cqrs';
import {
  type CommandList,
  DeviceCommandsQueryDto,
  type DeviceSummary,
  GetDeviceSummaryQuery,
  ListCommandsQuery,
} from '../index.js';
import { DeviceIdPipe } from './device-id.pipe.js';
import { Ok, Unauthorized, error } from './openapi/responses.js';
import { RequireScope } from './require-scope.decorator.js';
import { RatchetRoute } from './ratchet-route.decorator.js';

/** A device's view, from the read models: its commands and its summary. */
@ApiTags('devices')
@ApiBearerAuth()
@RatchetRoute()
@Controller('devices')
@RequireScope('read')
export class DevicesController {
  constructor(private readonly queries: QueryBus) {}

  @Get(':deviceId')
  @Ok(200, "The device's summary.", 'DeviceSummary')
  @error(400, 'deviceId does not match the device id pattern.')
  @error(404, 'No command was ever issued to this device.')
  @Unauthorized()
  summary(@Param('deviceId', DeviceIdPipe) deviceId: string): Promise<DeviceSummary> {
    return this.queries.execute(new GetDeviceSummaryQuery(deviceId));
  }

  @Get(':deviceId/commands')
  @Ok(200, "One page of the device's commands, newest first.", 'CommandList')
  @error(400, 'deviceId, a filter, limit or cursor is not valid (each named).')
  @Unauthorized()
  commands(
    @Param('deviceId', DeviceIdPipe) deviceId: string,
    @Query() query: DeviceCommandsQueryDto,
  ): Promise<CommandList> {
    return this.queries.execute(new ListCommandsQuery({ ...query, deviceId }));
  }
}
