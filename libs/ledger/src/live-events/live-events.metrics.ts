import type { Counter as CounterT, Gauge as GaugeT, Registry } from 'prom-client';
import { Counter, Gauge } from '../metrics/prom.js';
import type { LiveEventsObserver } from './live-events-hub.js';
import type { EndReason } from './live-client.js';

/** `/metrics` for `GET /events`: open streams, events sent, clients the ledger ended. */
export class LiveEventsMetrics implements LiveEventsObserver {
  readonly open: GaugeT;
  readonly sentTotal: CounterT;
  readonly dropped: CounterT<'reason'>;
  readonly readerFailures: CounterT;

  constructor(registry: Registry) {
    this.open = new Gauge({
      name: 'ratchet_live_streams_open',
      help: 'GET /events streams open now',
      registers: [registry],
    });
    this.sentTotal = new Counter({
      name: 'ratchet_live_events_sent_total',
      help: 'Transitions written to GET /events streams (one per client per event)',
      registers: [registry],
    });
    this.dropped = new Counter({
      name: 'ratchet_live_clients_dropped_total',
      help: 'GET /events streams the ledger ended: slow (its queue was full), log_failed, shutdown',
      labelNames: ['reason'],
      registers: [registry],
    });
    this.readerFailures = new Counter({
      name: 'ratchet_live_reader_failures_total',
      help: 'Reads of the log for GET /events that failed (its clients reconnect and resume)',
      registers: [registry],
    });
    for (const reason of ['slow', 'log_failed', 'shutdown']) this.dropped.inc({ reason }, 0);
  }

  opened(): void {
    this.open.inc();
  }

  closed(reason: EndReason | 'left'): void {
    this.open.dec();
    if (reason !== 'left') this.dropped.inc({ reason });
  }

  sent(): void {
    this.sentTotal.inc();
  }

  readerFailed(): void {
    this.readerFailures.inc();
  }
}
