import { Body, Controller, Get, HttpCode, Param, Post, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiTags } from '@nestjs/swagger';
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
} from '@ratchet/ledger';
import { CommandIdPipe } from './command-id.pipe.js';

@ApiTags('commands')
@ApiBearerAuth()
@Controller('commands')
export class CommandsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  /** `201` when new, `200` when the same id and body were already issued, `409` otherwise. */
  @Post()
  // The body reaches the handler as parsed, and is validated there (validateIssueRequest): the
  // global ValidationPipe would transform the payload, dropping keys such as `constructor`.
  @ApiBody({ type: IssueCommandDto })
  async issue(
    @Body() body: unknown,
    @Res({ passthrough: true }) res: Response,
  ): Promise<CommandView> {
    const { created, command } = await this.commands.execute(
      new IssueCommand(body as IssueCommandDto, { source: 'http' }),
    );
    res.status(created ? 201 : 200);
    return toCommandView(command, null);
  }

  @Get(':commandId')
  get(@Param('commandId', CommandIdPipe) commandId: string): Promise<CommandView> {
    return this.queries.execute(new GetCommandQuery(commandId));
  }

  @Get(':commandId/history')
  history(@Param('commandId', CommandIdPipe) commandId: string): Promise<CommandHistory> {
    return this.queries.execute(new GetCommandHistoryQuery(commandId));
  }

  @Post(':commandId/cancel')
  @HttpCode(200)
  async cancel(@Param('commandId', CommandIdPipe) commandId: string): Promise<CommandView> {
    const state = await this.commands.execute(
      new CancelCommand(commandId, null, { source: 'http' }),
    );
    return toCommandView(state, null);
  }
}
