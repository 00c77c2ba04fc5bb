import { Controller, Get, Header } from '@nestjs/common';
import { ApiBearerAuth, ApiResponse, ApiTags } from '@nestjs/swagger';
import { LedgerMetrics } from '../index.js';
import { Unauthorized } from './openapi/responses.js';
import { RequireScope } from './require-scope.decorator.js';
import { RatchetRoute } from './ratchet-route.decorator.js';

@ApiTags('metrics')
@ApiBearerAuth()
@RatchetRoute()
@Controller('metrics')
@RequireScope('read')
export class MetricsController {
  constructor(private readonly metrics: LedgerMetrics) {}

  @Get()
  @ApiResponse({
    status: 200,
    description: 'Prometheus text exposition format.',
    content: {
      'text/plain': { schema: { type: 'string', example: 'ratchet_live_streams_open 2\n' } },
    },
  })
  @Unauthorized()
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
