import { Controller, Get, Logger, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, type HealthCheckResult, HealthCheckService } from '@nestjs/terminus';
import { PublicRoute } from './require-scope.decorator.js';
import { LedgerHealthIndicators } from './ledger-health.indicators.js';
import { RatchetRoute } from './ratchet-route.decorator.js';

export interface LiveBody {
  readonly status: 'up';
}

export interface ReadyBody {
  readonly status: 'up';
  /** `up` for each dependency: `store`, `broker`, `projections`. */
  readonly checks: Record<string, 'up'>;
  /** What each indicator measured: response times, the projections' lag. */
  readonly details: HealthCheckResult['details'];
}

/**
 * Liveness and readiness on @nestjs/terminus. Both are open (no token). The bodies keep the
 * ledger's own shape: `{ status: 'up', … }`, and a 503 in the error shape of CONTRACT.md,
 * naming what is down.
 */
@ApiTags('health')
@RatchetRoute()
@Controller('health')
@PublicRoute()
export class HealthController {
  private readonly logger = new Logger('Health');
  /** The names of what readiness last found down (`null`: up), to log only changes. */
  private lastDown: string | null = null;

  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: LedgerHealthIndicators,
  ) {}

  /** `200` while the process runs, also while it shuts down (it is finishing its work). */
  @Get('live')
  @HealthCheck({ noCache: true, swaggerDocumentation: false })
  @ApiOkResponse({
    description: 'The process is up.',
    schema: { type: 'object', properties: { status: { type: 'string', enum: ['up'] } } },
  })
  async live(): Promise<LiveBody> {
    try {
      await this.health.check([]);
    } catch (e) {
      if (outcomeOf(e)?.status !== 'shutting_down') throw e;
    }
    return { status: 'up' };
  }

  /**
   * `200` when the store, the broker connection and the projections are up; `503` naming what
   * is down, and while shutting down (so that a load balancer stops sending work first).
   */
  @Get('ready')
  @HealthCheck({ noCache: true, swaggerDocumentation: false })
  @ApiOkResponse({
    description: 'The store answers, the broker is connected and the projections run.',
    schema: {
      type: 'object',
      properties: {
        status: { type: 'string', enum: ['up'] },
        checks: {
          type: 'object',
          additionalProperties: { type: 'string', enum: ['up'] },
          example: { store: 'up', broker: 'up', projections: 'up' },
        },
        details: {
          type: 'object',
          additionalProperties: { type: 'object' },
          example: {
            store: { status: 'up', responseTime: 1 },
            broker: { status: 'up', responseTime: 0 },
            projections: {
              status: 'up',
              responseTime: 2,
              lag: { command_status: { events: 0, capped: false, ms: 0 } },
            },
          },
        },
      },
    },
  })
  @ApiServiceUnavailableResponse({
    description: 'A dependency is down (each named), or the service is shutting down.',
    content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
  })
  async ready(): Promise<ReadyBody> {
    let result: HealthCheckResult;
    try {
      result = await this.health.check(this.indicators.readiness());
    } catch (e) {
      const outcome = outcomeOf(e);
      if (!outcome) throw e;
      const failed = Object.entries(outcome.error ?? {});
      const down =
        outcome.status === 'shutting_down'
          ? ['shutting down']
          : failed.map(([name, d]) => `${name} down: ${String(d?.message ?? 'down')}`);
      this.note(
        outcome.status === 'shutting_down' ? 'shutting_down' : failed.map(([n]) => n).join(','),
        down,
      );
      throw new ServiceUnavailableException({ message: down });
    }
    this.note(null, []);
    return {
      status: 'up',
      checks: Object.fromEntries(Object.keys(result.details).map((k) => [k, 'up' as const])),
      details: result.details,
    };
  }

  /** One line when readiness changes (not one per probe). */
  private note(names: string | null, down: readonly string[]): void {
    if (names === this.lastDown) return;
    if (names) this.logger.warn(`not ready: ${down.join('; ')}`);
    else if (this.lastDown) this.logger.log('ready again');
    this.lastDown = names;
  }
}

/** The result terminus answers 503 with. */
const outcomeOf = (e: unknown): HealthCheckResult | null => {
  if (!(e instanceof ServiceUnavailableException)) return null;
  const body = e.getResponse() as Partial<HealthCheckResult>;
  return typeof body === 'object' && body !== null && typeof body.status === 'string'
    ? (body as HealthCheckResult)
    : null;
};
