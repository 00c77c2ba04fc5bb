import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { LedgerMetrics } from '@ratchet/ledger';
import { READ_MODEL_STORE, type ReadModelStore } from '@ratchet/read-models';
import { Gauge } from 'prom-client';

/** Projection lag and health on /metrics, measured when scraped. */
@Injectable()
export class ProjectionMetrics implements OnModuleInit {
  constructor(
    private readonly metrics: LedgerMetrics,
    @Inject(READ_MODEL_STORE) private readonly readModels: ReadModelStore | null,
  ) {}

  onModuleInit(): void {
    const readModels = this.readModels;
    if (!readModels) return;
    const registers = [this.metrics.registry];
    const events = new Gauge({
      name: 'ratchet_projection_lag_events',
      help: 'Events in the log not yet applied by the projection (counted up to a cap)',
      labelNames: ['projection'],
      registers,
    });
    const seconds = new Gauge({
      name: 'ratchet_projection_lag_seconds',
      help: 'Age of the oldest event not yet applied by the projection',
      labelNames: ['projection'],
      registers,
    });
    new Gauge({
      name: 'ratchet_projection_up',
      help: '1 while the projection runner is running without a failure',
      labelNames: ['projection'],
      registers,
      // Measuring lag reads the store: done once per scrape, here, for all three gauges.
      async collect() {
        for (const l of await readModels.lag()) {
          events.set({ projection: l.name }, l.events);
          seconds.set({ projection: l.name }, l.ms / 1000);
        }
        for (const s of readModels.status()) {
          this.set({ projection: s.name }, s.failure === null && s.state !== 'stopped' ? 1 : 0);
        }
      },
    });
  }
}
