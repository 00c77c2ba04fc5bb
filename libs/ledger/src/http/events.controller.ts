import { Controller, Get, Headers, Query, Res, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiCookieAuth, ApiHeader, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { LiveEvents, LiveEventsQueryDto } from '../index.js';
import { COOKIE_TOKEN_ROUTE, RequireScope } from './require-scope.decorator.js';
import { Unauthorized, error } from './openapi/responses.js';
import { RatchetRoute } from './ratchet-route.decorator.js';

/**
 * `GET /events`: the command transitions as Server-Sent Events (CONTRACT.md section 2, "Live
 * events"). Everything but the HTTP response lives in `LiveEvents` (libs/ledger).
 */
@ApiTags('events')
@ApiBearerAuth()
@ApiCookieAuth('tokenCookie')
@RatchetRoute()
@Controller('events')
@SetMetadata(COOKIE_TOKEN_ROUTE, true)
@RequireScope('read')
export class EventsController {
  constructor(private readonly live: LiveEvents) {}

  @Get()
  @ApiHeader({
    name: 'Last-Event-ID',
    required: false,
    description:
      'Resume after this id (the `id:` of an event or keep-alive this stream sent): nothing skipped, nothing twice.',
  })
  @ApiResponse({
    status: 200,
    description:
      'Server-Sent Events, one `transition` per appended command event in log order, `id:` its log position; a comment at least every 15 s (with an `id:` of the position reached). Without Last-Event-ID it starts at the head of the log. `data` is JSON: `{ commandId, deviceId, fleetCommandId, type, status, revision, at }`.',
    content: {
      'text/event-stream': {
        schema: {
          type: 'string',
          example:
            'id: 00000000000002f9-0000000000000002\nevent: transition\ndata: {"commandId":"2b8d2cfc-6ff9-4d71-81f8-16f66c5f81b8","deviceId":"pump-1","fleetCommandId":null,"type":"CommandSent","status":"sent","revision":1,"at":"2026-12-03T09:45:46.885Z"}\n\n',
        },
      },
    },
  })
  @error(400, 'A filter is not valid, or Last-Event-ID is not a position of this log.')
  @Unauthorized()
  async stream(
    @Query() query: LiveEventsQueryDto,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Res() res: Response,
  ): Promise<void> {
    const filter = {
      ...(query.deviceId === undefined ? {} : { deviceId: query.deviceId }),
      ...(query.commandId === undefined ? {} : { commandId: query.commandId.toLowerCase() }),
      ...(query.fleetCommandId === undefined
        ? {}
        : { fleetCommandId: query.fleetCommandId.toLowerCase() }),
    };
    await this.live.open(filter, lastEventId?.trim() || null, () => {
      res.status(200).set({
        'Content-Type': 'text/event-stream; charset=utf-8',
        'Cache-Control': 'no-store',
        Connection: 'keep-alive',
        // A reverse proxy (nginx) must pass each event on at once, not buffer the response.
        'X-Accel-Buffering': 'no',
      });
      res.flushHeaders();
      res.socket?.setNoDelay(true);
      return res;
    });
  }
}
