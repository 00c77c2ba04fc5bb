import { Body, Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import type { Response } from 'express';
import { FLEET_STATUSES, type FleetStatus, isUuid } from '@ratchet/lifecycle';
import {
  CancelFleetCommand,
  FleetError,
  type FleetList,
  type FleetView,
  GetFleetCommandQuery,
  IssueFleetCommand,
  type IssueFleetOutcome,
  ListFleetCommandsQuery,
  PauseFleetCommand,
  ResumeFleetCommand,
} from '../index.js';
import { Caller } from './caller.decorator.js';
import { Ok, Unauthorized, error } from './openapi/responses.js';
import { json } from './openapi/api-schemas.js';
import { RatchetRoute } from './ratchet-route.decorator.js';
import { RequireScope } from './require-scope.decorator.js';

const idOf = (value: string): string => {
  if (!isUuid(value)) {
    throw new FleetError('invalid_request', [
      `fleetCommandId must be a UUID, got "${String(value).slice(0, 80)}"`,
    ]);
  }
  return value.toLowerCase();
};

const limitOf = (value: string | undefined): number | undefined => {
  if (value === undefined || value === '') return undefined;
  if (!/^[0-9]{1,4}$/.test(value)) {
    throw new FleetError('invalid_request', ['limit must be a whole number from 1 to 500']);
  }
  return Number(value);
};

const conflict = (what: string) =>
  ApiResponse(json(409, `${what}: the error and the fleet command as it is.`, 'Conflict'));

@ApiTags('fleet commands')
@ApiBearerAuth()
@RatchetRoute()
@Controller('fleet-commands')
export class FleetCommandsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Post()
  @RequireScope('issue')
  @ApiBody({ schema: { type: 'object', description: 'CONTRACT.md section 6' } })
  @Ok(201, 'Issued: the new fleet command.', 'FleetCommand')
  @Ok(200, 'The same fleetCommandId and body were issued before: it as it is now.', 'FleetCommand')
  @error(400, 'The body is not a valid fleet command, or its group does not exist.')
  @conflict('The same fleetCommandId was issued with another body')
  @error(413, 'More than 10,000 deviceIds, or the payload over 64 KiB.')
  @Unauthorized()
  async issue(
    @Body() body: unknown,
    @Res({ passthrough: true }) res: Response,
    @Caller() caller: string,
  ): Promise<FleetView> {
    const { created, fleet }: IssueFleetOutcome = await this.commands.execute(
      new IssueFleetCommand(body, { source: 'http', issuedBy: caller }),
    );
    res.status(created ? 201 : 200);
    return fleet;
  }

  @Get()
  @RequireScope('read')
  @ApiQuery({ name: 'status', required: false, enum: FLEET_STATUSES })
  @ApiQuery({
    name: 'limit',
    required: false,
    schema: { type: 'integer', minimum: 1, maximum: 500 },
  })
  @ApiQuery({ name: 'after', required: false, description: 'the `next` of the previous page' })
  @Ok(200, 'Fleet commands, newest first, cursor paged.', 'FleetCommandList')
  @error(400, 'A bad status, limit or cursor.')
  @Unauthorized()
  list(
    @Query('status') status?: string,
    @Query('limit') limit?: string,
    @Query('after') after?: string,
  ): Promise<FleetList> {
    const l = limitOf(limit);
    return this.queries.execute(
      new ListFleetCommandsQuery({
        ...(status ? { status: status as FleetStatus } : {}),
        ...(l === undefined ? {} : { limit: l }),
        after: after === undefined || after === '' ? null : after,
      }),
    );
  }

  @Get(':fleetCommandId')
  @RequireScope('read')
  @Ok(200, 'Its status (from its stream) and progress (from fleet_progress).', 'FleetCommand')
  @error(400, 'fleetCommandId is not a UUID.')
  @error(404, 'No such fleet command.')
  @Unauthorized()
  get(@Param('fleetCommandId') id: string): Promise<FleetView> {
    return this.queries.execute(new GetFleetCommandQuery(idOf(id)));
  }

  @Post(':fleetCommandId/pause')
  @RequireScope('issue')
  @HttpCode(200)
  @Ok(200, 'Paused (or already paused): the fleet command.', 'FleetCommand')
  @error(400, 'fleetCommandId is not a UUID.')
  @error(404, 'No such fleet command.')
  @conflict('Only a rolling-out fleet command can be paused')
  @Unauthorized()
  pause(@Param('fleetCommandId') id: string, @Caller() caller: string): Promise<FleetView> {
    return this.commands.execute(
      new PauseFleetCommand(idOf(id), { source: 'http', issuedBy: caller }),
    );
  }

  @Post(':fleetCommandId/resume')
  @RequireScope('issue')
  @HttpCode(200)
  @Ok(200, 'Rolling out again (or already): the fleet command.', 'FleetCommand')
  @error(400, 'fleetCommandId is not a UUID.')
  @error(404, 'No such fleet command.')
  @conflict('Only a paused fleet command can be resumed')
  @Unauthorized()
  resume(@Param('fleetCommandId') id: string, @Caller() caller: string): Promise<FleetView> {
    return this.commands.execute(
      new ResumeFleetCommand(idOf(id), { source: 'http', issuedBy: caller }),
    );
  }

  @Post(':fleetCommandId/cancel')
  @RequireScope('issue')
  @HttpCode(200)
  @Ok(200, 'Cancelled (or already): no more children; waiting ones are cancelled.', 'FleetCommand')
  @error(400, 'fleetCommandId is not a UUID.')
  @error(404, 'No such fleet command.')
  @conflict('A completed or aborted fleet command cannot be cancelled')
  @Unauthorized()
  cancel(@Param('fleetCommandId') id: string, @Caller() caller: string): Promise<FleetView> {
    return this.commands.execute(
      new CancelFleetCommand(idOf(id), { source: 'http', issuedBy: caller }),
    );
  }
}
