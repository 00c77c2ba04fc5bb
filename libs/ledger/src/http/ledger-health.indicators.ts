import { Inject, Injectable } from '@nestjs/common';
import { type HealthCheckAttempt, HealthIndicatorService } from '@nestjs/terminus';
import { EVENT_STORE, type EventStore } from '@ratchet/event-store';
import { MqttGateway } from '../index.js';
import { READ_MODEL_STORE, type ReadModelStore } from '@ratchet/read-models';
import { checkProjections } from './projection-readiness.js';

/** A dependency that does not answer within this is down. */
export const READINESS_TIMEOUT_MS = 2_000;

/**
 * The terminus health indicators readiness is made of, in the order they are reported: the
 * event store answers, the broker connection is up, the projections run (their lag reported).
 */
@Injectable()
export class LedgerHealthIndicators {
  constructor(
    private readonly health: HealthIndicatorService,
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    private readonly gateway: MqttGateway,
    @Inject(READ_MODEL_STORE) private readonly readModels: ReadModelStore,
  ) {}

  readiness(): HealthCheckAttempt[] {
    return [this.store(), this.broker(), this.projections()];
  }

  store(): HealthCheckAttempt<'store'> {
    return this.health
      .check('store')
      .attempt(() => this.eventStore.ping())
      .withTimeout(READINESS_TIMEOUT_MS);
  }

  broker(): HealthCheckAttempt<'broker'> {
    return this.health.check('broker').attempt(() => {
      if (!this.gateway.connected) throw new Error('not connected (reconnecting)');
    });
  }

  projections(): HealthCheckAttempt<'projections'> {
    return this.health
      .check('projections')
      .attempt(() => checkProjections(this.readModels))
      .withTimeout(READINESS_TIMEOUT_MS);
  }
}
