import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  Optional,
} from '@nestjs/common';
import { EVENT_STORE, type EventStore, type Position } from '@ratchet/event-store';
import { READ_MODEL_STORE, type ReadModelStore } from '@ratchet/read-models';
import { LedgerMetrics } from '../metrics/ledger-metrics.js';
import { RATCHET_OPTIONS, type RatchetModuleOptions } from '../options/ratchet.options.js';
import type { LiveClient, LiveSink } from './live-client.js';
import type { LiveEventsFilter } from './live-events-filter.js';
import { LiveEventsHub } from './live-events-hub.js';
import { LiveEventsMetrics } from './live-events.metrics.js';

/**
 * The live stream of command transitions (`GET /events`) of this process: one shared reader
 * of the log, counted on the ledger's metrics. The HTTP controller only adapts the response.
 */
@Injectable()
export class LiveEvents implements BeforeApplicationShutdown {
  private readonly logger = new Logger('LiveEvents');
  readonly hub: LiveEventsHub;

  constructor(
    @Inject(EVENT_STORE) store: EventStore,
    @Inject(RATCHET_OPTIONS) options: RatchetModuleOptions,
    metrics: LedgerMetrics,
    @Optional() @Inject(READ_MODEL_STORE) readModels?: ReadModelStore | null,
  ) {
    const counted = new LiveEventsMetrics(metrics.registry);
    this.hub = new LiveEventsHub(
      store,
      {
        opened: () => counted.opened(),
        closed: (reason) => counted.closed(reason),
        sent: () => counted.sent(),
        readerFailed: (error) => {
          counted.readerFailed();
          this.logger.warn(
            `reading the log for live events failed (clients resume): ${String(error)}`,
          );
        },
      },
      // The projections' checkpoints are near the head: finding it reads a few events.
      () => newest(readModels?.status().map((s) => s.position) ?? []),
      options.liveEvents,
    );
  }

  open(
    filter: LiveEventsFilter,
    lastEventId: string | null,
    begin: () => LiveSink,
  ): Promise<LiveClient> {
    return this.hub.open(filter, lastEventId, begin);
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.hub.close();
  }
}

const newest = (positions: ReadonlyArray<Position | null>): Position | null =>
  positions.reduce<Position | null>((a, p) => (p !== null && (a === null || p > a) ? p : a), null);
