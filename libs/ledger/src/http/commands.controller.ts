import { Body, Controller, Get, HttpCode, Param, Post, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiResponse, ApiTags } from '@nestjs/swagger';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import type { Response } from 'express';
import {
  CancelCommand,
  type CommandHistory,
  type CommandView,
  GetCommandHistoryQuery,
  GetCommandQuery,
  IssueCommand,
  IssueCommandDto,
  toCommandView,
} from '../index.js';
import { CommandIdPipe } from './command-id.pipe.js';
import { Ok, Unauthorized, error } from './openapi/responses.js';
import { Caller } from './caller.decorator.js';
import { RequireScope } from './require-scope.decorator.js';
import { json } from './openapi/api-schemas.js';
import { RatchetRoute } from './ratchet-route.decorator.js';

@ApiTags('commands')
@ApiBearerAuth()
@RatchetRoute()
@Controller('commands')
export class CommandsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  /** `201` when new, `200` when the same id and body were already issued, `409` otherwise. */
  @Post()
  @RequireScope('issue')
  @Ok(201, 'Issued: the new command.', 'Command')
  @Ok(200, 'The same commandId and body were issued before: that command as it is now.', 'Command')
  @error(400, 'The body is not a valid command (each problem named).')
  @ApiResponse(
    json(
      409,
      'The same commandId was issued with another body: the error and that command.',
      'Conflict',
    ),
  )
  @error(413, 'The body (or the payload, 64 KiB) is too large.')
  @Unauthorized()
  // The body reaches the handler as parsed, and is validated there (validateIssueRequest): the
  // global ValidationPipe would transform the payload, dropping keys such as `constructor`.
  @ApiBody({ type: IssueCommandDto })
  async issue(
    @Body() body: unknown,
    @Caller() caller: string,
    @Res({ passthrough: true }) res: Response,
  ): Promise<CommandView> {
    const { created, command } = await this.commands.execute(
      new IssueCommand(body as IssueCommandDto, { source: 'http', issuedBy: caller }),
    );
    res.status(created ? 201 : 200);
    return toCommandView(command, null);
  }

  @Get(':commandId')
  @RequireScope('read')
  @Ok(200, 'The command, read from its stream.', 'Command')
  @error(400, 'commandId is not a UUID.')
  @error(404, 'No such command.')
  @Unauthorized()
  get(@Param('commandId', CommandIdPipe) commandId: string): Promise<CommandView> {
    return this.queries.execute(new GetCommandQuery(commandId));
  }

  @Get(':commandId/history')
  @RequireScope('read')
  @Ok(200, 'Every event of the command, oldest first.', 'CommandHistory')
  @error(400, 'commandId is not a UUID.')
  @error(404, 'No such command.')
  @Unauthorized()
  history(@Param('commandId', CommandIdPipe) commandId: string): Promise<CommandHistory> {
    return this.queries.execute(new GetCommandHistoryQuery(commandId));
  }

  @Post(':commandId/cancel')
  @RequireScope('issue')
  @Ok(200, 'Cancelled: the command with its new state.', 'Command')
  @error(400, 'commandId is not a UUID.')
  @error(404, 'No such command.')
  @ApiResponse(
    json(
      409,
      'Not cancellable (no longer requested): the error and the command as it is.',
      'Conflict',
    ),
  )
  @Unauthorized()
  @HttpCode(200)
  async cancel(
    @Param('commandId', CommandIdPipe) commandId: string,
    @Caller() caller: string,
  ): Promise<CommandView> {
    const state = await this.commands.execute(
      new CancelCommand(commandId, null, { source: 'http', issuedBy: caller }),
    );
    return toCommandView(state, null);
  }
}
