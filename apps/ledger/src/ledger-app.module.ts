import { CqrsModule } from '@nestjs/cqrs';
import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import type { EventStore } from '@ratchet/event-store';
import { ApiCredentialRegistry, type InProcessBroker, RatchetModule } from '@ratchet/ledger';
import { HttpErrorFilter, RatchetHttpModule } from '@ratchet/ledger/http';
import type { ReadModelStore } from '@ratchet/read-models';
import type { LedgerConfig } from './config/ledger-config.js';

export interface LedgerRuntime {
  readonly eventStore: EventStore;
  /** The projections behind the list and device endpoints; the module owns and closes them. */
  readonly readModels: ReadModelStore;
  /** The broker to use: MQTT_URL, or the embedded broker's address. */
  readonly mqttUrl: string;
  /** The ledger's account on the embedded broker when it authenticates (instead of MQTT_USERNAME…). */
  readonly mqttAccount?: { readonly username: string; readonly password: string };
  /** The embedded broker, when it is the one: device answers are taken from it in-process. */
  readonly inProcessBroker?: InProcessBroker;
  /** The API credentials in force (replaced on SIGHUP); default: those of the configuration. */
  readonly credentials?: ApiCredentialRegistry;
}

/** The standalone service: RatchetModule plus its HTTP face, RatchetHttpModule. */
@Module({})
export class LedgerAppModule {
  static forRoot(config: LedgerConfig, runtime: LedgerRuntime): DynamicModule {
    const credentials = runtime.credentials ?? new ApiCredentialRegistry(config.apiCredentials);
    return {
      module: LedgerAppModule,
      imports: [
        CqrsModule.forRoot(),
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
            inboxInFlight: config.mqttInboxInFlight,
            ...(runtime.inProcessBroker ? { inProcessBroker: runtime.inProcessBroker } : {}),
            ...(runtime.mqttAccount
              ? runtime.mqttAccount
              : {
                  ...(config.mqttUsername ? { username: config.mqttUsername } : {}),
                  ...(config.mqttPassword ? { password: config.mqttPassword } : {}),
                }),
            ...(Object.keys(config.mqttTls).length > 0 ? { tls: config.mqttTls } : {}),
          },
        }),
        RatchetHttpModule.forRoot({ credentials }),
      ],
      // Ratchet's controllers carry their own filter; this one gives every other answer (an
      // unknown route's 404, a body the parser refused) the same shape.
      providers: [{ provide: APP_FILTER, useClass: HttpErrorFilter }],
    };
  }
}
