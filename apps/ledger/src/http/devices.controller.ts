import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { QueryBus } from '@nestjs/cqrs';
import {
  type CommandList,
  DeviceCommandsQueryDto,
  type DeviceSummary,
  GetDeviceSummaryQuery,
  ListCommandsQuery,
} from '@ratchet/ledger';
import { DeviceIdPipe } from './device-id.pipe.js';

/** A device's view, from the read models: its commands and its summary. */
@ApiTags('devices')
@ApiBearerAuth()
@Controller('devices')
export class DevicesController {
  constructor(private readonly queries: QueryBus) {}

  @Get(':deviceId')
  summary(@Param('deviceId', DeviceIdPipe) deviceId: string): Promise<DeviceSummary> {
    return this.queries.execute(new GetDeviceSummaryQuery(deviceId));
  }

  @Get(':deviceId/commands')
  commands(
    @Param('deviceId', DeviceIdPipe) deviceId: string,
    @Query() query: DeviceCommandsQueryDto,
  ): Promise<CommandList> {
    return this.queries.execute(new ListCommandsQuery({ ...query, deviceId }));
  }
}
