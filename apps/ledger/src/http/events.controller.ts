import { Controller, Get, Headers, Query, Res, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiCookieAuth, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { LiveEvents, LiveEventsQueryDto } from '@ratchet/ledger';
import { COOKIE_TOKEN_ROUTE } from './api-token.guard.js';

/**
 * `GET /events`: the command transitions as Server-Sent Events (CONTRACT.md section 2, "Live
 * events"). Everything but the HTTP response lives in `LiveEvents` (libs/ledger).
 */
@ApiTags('events')
@ApiBearerAuth()
@ApiCookieAuth()
@Controller('events')
@SetMetadata(COOKIE_TOKEN_ROUTE, true)
export class EventsController {
  constructor(private readonly live: LiveEvents) {}

  @Get()
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
