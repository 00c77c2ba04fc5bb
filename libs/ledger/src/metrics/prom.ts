import { createRequire } from 'node:module';
import type * as PromClient from 'prom-client';

/**
 * prom-client is an optional peer: with it installed the ledger's metrics are recorded (and
 * served by RatchetHttpModule's /metrics); without it they are recorded nowhere, by stand-ins
 * with the same methods, so that a host that wants no Prometheus need not install it.
 */
const load = (): typeof PromClient | null => {
  try {
    return createRequire(import.meta.url)('prom-client') as typeof PromClient;
  } catch {
    return null;
  }
};

class NoMetric {
  constructor(_config?: unknown) {}
  inc(): void {}
  dec(): void {}
  set(): void {}
  observe(): void {}
  reset(): void {}
  labels(): this {
    return this;
  }
  startTimer(): () => number {
    return () => 0;
  }
}

class NoRegistry {
  metrics(): Promise<string> {
    return Promise.resolve('');
  }
  registerMetric(): void {}
  getSingleMetric(): undefined {
    return undefined;
  }
  clear(): void {}
  get contentType(): string {
    return 'text/plain; version=0.0.4; charset=utf-8';
  }
}

const prom = load();

/** Whether prom-client is installed (metrics are recorded). */
export const PROMETHEUS_AVAILABLE = prom !== null;
export const Registry = (prom?.Registry ?? NoRegistry) as unknown as typeof PromClient.Registry;
export const Counter = (prom?.Counter ?? NoMetric) as unknown as typeof PromClient.Counter;
export const Gauge = (prom?.Gauge ?? NoMetric) as unknown as typeof PromClient.Gauge;
export const Histogram = (prom?.Histogram ?? NoMetric) as unknown as typeof PromClient.Histogram;
export const collectDefaultMetrics = (
  config: Parameters<typeof PromClient.collectDefaultMetrics>[0],
): void => prom?.collectDefaultMetrics(config);
