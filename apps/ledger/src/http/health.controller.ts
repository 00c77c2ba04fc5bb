import { Controller, Get, HttpException, Inject, SetMetadata } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { EVENT_STORE, type EventStore } from '@ratchet/event-store';
import { PUBLIC_ROUTE } from './api-token.guard.js';

/** Something whose reachability readiness depends on (the broker connection, projections). */
export interface ReadinessCheck {
  readonly name: string;
  check(): Promise<void>;
}
export const READINESS_CHECKS = Symbol.for('ratchet.ReadinessChecks');

@ApiTags('health')
@Controller('health')
@SetMetadata(PUBLIC_ROUTE, true)
export class HealthController {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(READINESS_CHECKS) private readonly checks: readonly ReadinessCheck[],
  ) {}

  @Get('live')
  live(): { status: 'up' } {
    return { status: 'up' };
  }

  /** `200` when the store and every other dependency answer; `503` naming what is down. */
  @Get('ready')
  async ready(): Promise<{ status: 'up'; checks: Record<string, 'up'> }> {
    const all: ReadinessCheck[] = [
      { name: 'store', check: () => this.store.ping() },
      ...this.checks,
    ];
    const results = await Promise.all(
      all.map(async (c) => {
        try {
          await withTimeout(c.check(), 2000);
          return [c.name, 'up'] as const;
        } catch (e) {
          return [c.name, `down: ${e instanceof Error ? e.message : String(e)}`] as const;
        }
      }),
    );
    const down = results.filter(([, s]) => s !== 'up');
    if (down.length > 0) {
      throw new HttpException({ message: down.map(([n, s]) => `${n} ${s}`) }, 503);
    }
    return { status: 'up', checks: Object.fromEntries(results) as Record<string, 'up'> };
  }
}

const withTimeout = <T>(p: Promise<T>, ms: number): Promise<T> =>
  Promise.race([
    p,
    new Promise<T>((_, reject) =>
      setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms).unref(),
    ),
  ]);
