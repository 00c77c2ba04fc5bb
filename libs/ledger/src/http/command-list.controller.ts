import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { QueryBus } from '@nestjs/cqrs';
import { type CommandList, ListCommandsQuery, ListCommandsQueryDto } from '../index.js';
import { Ok, Unauthorized, error } from './openapi/responses.js';
import { RequireScope } from './require-scope.decorator.js';
import { RatchetRoute } from './ratchet-route.decorator.js';

/**
 * `GET /commands?deviceId=&status=&fleetCommandId=&limit=&after=`: newest first, from the read model, so a
 * command issued a moment ago may not be listed yet (`GET /commands/{id}` reads its stream).
 */
@ApiTags('commands')
@ApiBearerAuth()
@RatchetRoute()
@Controller('commands')
export class CommandListController {
  constructor(private readonly queries: QueryBus) {}

  @Get()
  @RequireScope('read')
  @Ok(200, 'One page, newest first.', 'CommandList')
  @error(400, 'A filter, limit or cursor is not valid (each named).')
  @Unauthorized()
  list(@Query() query: ListCommandsQueryDto): Promise<CommandList> {
    return this.queries.execute(new ListCommandsQuery(query));
  }
}
