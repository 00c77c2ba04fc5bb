import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { LedgerMetrics } from '../index.js';
import {
  type ProjectionLag,
  type ProjectionStatus,
  READ_MODEL_STORE,
  type ReadModelStore,
} from '@ratchet/read-models';
import { Gauge } from 'prom-client';

interface Reading {
  readonly lag: readonly ProjectionLag[];
  readonly status: readonly ProjectionStatus[];
}

/** Projection lag and health on /metrics, measured when scraped. */
@Injectable()
export class ProjectionMetrics implements OnModuleInit {
  /** One measurement per scrape, shared by the gauges (prom-client collects them in parallel). */
  private reading: Promise<Reading> | null = null;

  constructor(
    private readonly metrics: LedgerMetrics,
    @Inject(READ_MODEL_STORE) private readonly readModels: ReadModelStore | null,
  ) {}

  onModuleInit(): void {
    if (!this.readModels) return;
    const gauge = (name: string, help: string, value: (r: Reading, projection: string) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ['projection'],
        registers: [this.metrics.registry],
        collect: async function (this: Gauge<'projection'>) {
          const reading = await read();
          for (const { name: projection } of reading.status) {
            this.set({ projection }, value(reading, projection));
          }
        },
      });
    const read = () => (this.reading ??= this.measure());
    const lagOf = (r: Reading, p: string) => r.lag.find((l) => l.name === p);
    gauge(
      'ratchet_projection_lag_events',
      'Events in the log not yet applied by the projection (counted up to a cap)',
      (r, p) => lagOf(r, p)?.events ?? 0,
    );
    gauge(
      'ratchet_projection_lag_seconds',
      'Age of the oldest event not yet applied by the projection',
      (r, p) => (lagOf(r, p)?.ms ?? 0) / 1000,
    );
    gauge(
      'ratchet_projection_up',
      '1 while the projection runner runs without a failure',
      (r, p) =>
        r.status.some((s) => s.name === p && s.failure === null && s.state !== 'stopped') ? 1 : 0,
    );
  }

  private async measure(): Promise<Reading> {
    const readModels = this.readModels as ReadModelStore;
    try {
      return { lag: await readModels.lag(), status: readModels.status() };
    } finally {
      setTimeout(() => (this.reading = null), 250).unref();
    }
  }
}
