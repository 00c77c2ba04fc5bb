import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, Reflector } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import type { EventStore } from '@ratchet/event-store';
import { ApiCredentialRegistry, RatchetModule } from '@ratchet/ledger';
import type { ReadModelStore } from '@ratchet/read-models';
import type { LedgerConfig } from './config/ledger-config.js';
import { ScopeGuard } from './http/scope.guard.js';
import { CommandListController } from './http/command-list.controller.js';
import { CommandsController } from './http/commands.controller.js';
import { DevicesController } from './http/devices.controller.js';
import { EventsController } from './http/events.controller.js';
import { HealthController } from './http/health.controller.js';
import { HttpErrorFilter } from './http/http-error.filter.js';
import { MetricsController } from './http/metrics.controller.js';
import { LedgerHealthIndicators } from './http/ledger-health.indicators.js';
import { ProjectionMetrics } from './infrastructure/projection-metrics.js';

export interface LedgerRuntime {
  readonly eventStore: EventStore;
  /** The projections behind the list and device endpoints; the module owns and closes them. */
  readonly readModels: ReadModelStore;
  /** The broker to use: MQTT_URL, or the embedded broker's address. */
  readonly mqttUrl: string;
  /** The API credentials in force (replaced on SIGHUP); default: those of the configuration. */
  readonly credentials?: ApiCredentialRegistry;
}

/** The standalone service: RatchetModule plus its HTTP face. */
@Module({})
export class LedgerAppModule {
  static forRoot(config: LedgerConfig, runtime: LedgerRuntime): DynamicModule {
    const credentials = runtime.credentials ?? new ApiCredentialRegistry(config.apiCredentials);
    return {
      module: LedgerAppModule,
      imports: [
        RatchetModule.forRoot({
          eventStore: runtime.eventStore,
          ownsStore: true,
          readModels: runtime.readModels,
          ownsReadModels: true,
          defaults: config.defaults,
          sweep: config.sweep,
          stateTopic:
            config.stateRetentionSeconds > 0
              ? { retentionSeconds: config.stateRetentionSeconds }
              : false,
          ...(config.instanceId ? { instanceId: config.instanceId } : {}),
          mqtt: {
            url: runtime.mqttUrl,
            sharedGroup: config.mqttSharedGroup,
            // The embedded broker's sessions die with this process: nothing to resume. (Aedes
            // also drops a persistent session on a publish to a topic with an empty level.)
            persistentSession: config.mqttUrl !== null,
            sessionExpirySeconds: config.mqttSessionExpirySeconds,
            inboxConnections: config.mqttInboxConnections,
            ...(config.mqttUsername ? { username: config.mqttUsername } : {}),
            ...(config.mqttPassword ? { password: config.mqttPassword } : {}),
          },
        }),
        // The health controller says what changed; terminus would log every failed probe.
        TerminusModule.forRoot({ logger: false }),
      ],
      controllers: [
        CommandListController,
        CommandsController,
        DevicesController,
        EventsController,
        HealthController,
        MetricsController,
      ],
      providers: [
        { provide: ApiCredentialRegistry, useValue: credentials },
        {
          provide: APP_GUARD,
          useFactory: (r: Reflector) => new ScopeGuard(credentials, r),
          inject: [Reflector],
        },
        { provide: APP_FILTER, useClass: HttpErrorFilter },
        LedgerHealthIndicators,
        ProjectionMetrics,
      ],
    };
  }
}
