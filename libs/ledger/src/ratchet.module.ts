import {
  type DynamicModule,
  Inject,
  Logger,
  Module,
  type OnApplicationShutdown,
  type Provider,
} from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { CommandBus } from '@nestjs/cqrs';
import { EVENT_STORE } from '@ratchet/event-store';
import { CommandAwaiter } from './host-events/await-command.service.js';
import { HostSubscription } from './host-events/host-subscription.service.js';
import { READ_MODEL_STORE } from '@ratchet/read-models';
import { AcknowledgeCommandHandler } from './acknowledge-command/acknowledge-command.handler.js';
import { CancelCommandHandler } from './cancel-command/cancel-command.handler.js';
import { LedgerClock } from './services/ledger-clock.js';
import { DeviceInbox } from './mqtt/device-inbox.mqtt-controller.js';
import { Dispatcher } from './services/dispatcher.service.js';
import { GetCommandHistoryHandler } from './get-command-history/get-command-history.handler.js';
import { GetCommandHandler } from './get-command/get-command.handler.js';
import { GetDeviceSummaryHandler } from './get-device-summary/get-device-summary.handler.js';
import { InstanceMetadata } from './services/instance-metadata.js';
import { IssueCommandHandler } from './issue-command/issue-command.handler.js';
import { ListCommandsHandler } from './list-commands/list-commands.handler.js';
import { LedgerMetrics } from './metrics/ledger-metrics.js';
import type { IntentPublisher } from './options/intent-publisher.port.js';
import { MqttGateway } from './mqtt/mqtt-gateway.service.js';
import {
  INTENT_PUBLISHER,
  RATCHET_OPTIONS,
  type RatchetModuleOptions,
} from './options/ratchet.options.js';
import { DeadlineSweeper } from './services/deadline-sweeper.service.js';
import { DEADLINE_INDEX } from './options/deadline-index.port.js';
import { RetryScheduler } from './services/retry-scheduler.service.js';
import { TimeOutCommandHandler } from './time-out-command/time-out-command.handler.js';
import { ExpireCommandHandler } from './expire-command/expire-command.handler.js';
import { ReadModelRunner } from './services/read-model-runner.service.js';
import { RecordPresenceHandler } from './record-presence/record-presence.handler.js';
import { RecordCommandResultHandler } from './record-command-result/record-command-result.handler.js';
import { LiveEvents } from './live-events/live-events.service.js';
import { CommandTransitions } from './transition/command-transitions.service.js';
import {
  CancelFleetCommandHandler,
  ControlFleetCommandHandler,
  GetFleetCommandHandler,
  IssueFleetCommandHandler,
  ListFleetCommandsHandler,
  ResumeFleetCommandHandler,
} from './fleets/fleet.handlers.js';
import { FleetStreams } from './fleets/fleet-streams.service.js';
import { FleetRollout } from './fleets/fleet-rollout.service.js';
import {
  AddGroupMembersHandler,
  ListGroupMembersHandler,
  RemoveGroupMemberHandler,
  SetGroupMembersHandler,
} from './groups/group.handlers.js';

import {
  RATCHET_ASYNC_OPTIONS_TYPE,
  RATCHET_MODULE_OPTIONS,
  RATCHET_OPTIONS_TYPE,
  RatchetConfigurableModule,
} from './ratchet.module-definition.js';
import { type LedgerStorage, openLedgerStorage } from './storage/open-ledger-storage.js';

export type RatchetModuleAsyncOptions = typeof RATCHET_ASYNC_OPTIONS_TYPE;
export type RatchetModuleForRootOptions = typeof RATCHET_OPTIONS_TYPE;

/** What the options opened (store, read models), closed by the module at shutdown. */
const LEDGER_STORAGE = Symbol.for('ratchet.LedgerStorage');

const SERVICES = [
  CommandAwaiter,
  LedgerClock,
  LedgerMetrics,
  InstanceMetadata,
  CommandTransitions,
  Dispatcher,
  DeviceInbox,
  MqttGateway,
  RetryScheduler,
  DeadlineSweeper,
  LiveEvents,
  FleetStreams,
  FleetRollout,
];
const HANDLERS = [
  IssueCommandHandler,
  AcknowledgeCommandHandler,
  RecordCommandResultHandler,
  RecordPresenceHandler,
  CancelCommandHandler,
  TimeOutCommandHandler,
  ExpireCommandHandler,
  GetCommandHandler,
  GetCommandHistoryHandler,
  ListCommandsHandler,
  GetDeviceSummaryHandler,
  SetGroupMembersHandler,
  AddGroupMembersHandler,
  RemoveGroupMemberHandler,
  ListGroupMembersHandler,
  IssueFleetCommandHandler,
  ControlFleetCommandHandler,
  ResumeFleetCommandHandler,
  CancelFleetCommandHandler,
  GetFleetCommandHandler,
  ListFleetCommandsHandler,
];
const FROM_OPTIONS: Provider[] = [
  {
    provide: LEDGER_STORAGE,
    useFactory: async (o: RatchetModuleOptions): Promise<LedgerStorage> => {
      const logger = new Logger('Ratchet');
      const storage = await openLedgerStorage(o, logger);
      logger.log(
        `event store: ${storage.description}; read models ${storage.readModels ? 'on' : 'off'}`,
      );
      return storage;
    },
    inject: [RATCHET_MODULE_OPTIONS],
  },
  {
    // The options as the services read them: the store and read models as opened.
    provide: RATCHET_OPTIONS,
    useFactory: (o: RatchetModuleOptions, s: LedgerStorage): RatchetModuleOptions => ({
      ...o,
      eventStore: s.eventStore,
      readModels: s.readModels ?? false,
      mqtt:
        o.mqtt ??
        (o.mqttUrl
          ? {
              url: o.mqttUrl,
              ...(o.mqttUsername ? { username: o.mqttUsername } : {}),
              ...(o.mqttPassword ? { password: o.mqttPassword } : {}),
              ...(o.mqttCaFile || o.mqttCertFile || o.mqttKeyFile
                ? {
                    tls: {
                      ...(o.mqttCaFile ? { caFile: o.mqttCaFile } : {}),
                      ...(o.mqttCertFile ? { certFile: o.mqttCertFile } : {}),
                      ...(o.mqttKeyFile ? { keyFile: o.mqttKeyFile } : {}),
                    },
                  }
                : {}),
            }
          : undefined),
    }),
    inject: [RATCHET_MODULE_OPTIONS, LEDGER_STORAGE],
  },
  {
    provide: DEADLINE_INDEX,
    // The read models answer the sweeper's questions from their indexes.
    useFactory: (o: RatchetModuleOptions, s: LedgerStorage) =>
      o.sweep === false ? null : (o.deadlineIndex ?? s.readModels ?? null),
    inject: [RATCHET_MODULE_OPTIONS, LEDGER_STORAGE],
  },
  {
    provide: READ_MODEL_STORE,
    useFactory: (s: LedgerStorage) => s.readModels,
    inject: [LEDGER_STORAGE],
  },
  {
    provide: EVENT_STORE,
    useFactory: (s: LedgerStorage) => s.eventStore,
    inject: [LEDGER_STORAGE],
  },
  {
    provide: INTENT_PUBLISHER,
    // A wrapper, not the gateway itself: Nest would call its lifecycle hooks twice.
    useFactory: (
      o: RatchetModuleOptions,
      gateway: MqttGateway,
      bus: CommandBus,
    ): IntentPublisher | null => {
      // A publisher that answers through the bus itself (the testing module's fake devices).
      o.intentPublisher?.attach?.(bus);
      return (
        o.intentPublisher ??
        (o.mqtt
          ? {
              publishIntent: (...args) => gateway.publishIntent(...args),
              isAvailable: () => gateway.publisherAvailable(),
            }
          : null)
      );
    },
    inject: [RATCHET_OPTIONS, MqttGateway, CommandBus],
  },
];
const EXPORTS = [EVENT_STORE, READ_MODEL_STORE, RATCHET_OPTIONS, ...SERVICES];

/**
 * The ledger on the NestJS application's own CQRS buses (the host imports
 * `CqrsModule.forRoot()`; Ratchet never creates buses of its own):
 * `commandBus.execute(new IssueCommand(…))`, `CancelCommand`, `AcknowledgeCommand`,
 * `RecordCommandResult`, and the queries on the `QueryBus`.
 */
@Module({})
export class RatchetModule extends RatchetConfigurableModule implements OnApplicationShutdown {
  private readonly logger = new Logger('Ratchet');

  constructor(@Inject(LEDGER_STORAGE) private readonly storage: LedgerStorage) {
    super();
  }

  static override forRoot(options: RatchetModuleForRootOptions): DynamicModule {
    return RatchetModule.withLedger(super.forRoot(options));
  }

  static override forRootAsync(options: RatchetModuleAsyncOptions): DynamicModule {
    return RatchetModule.withLedger(super.forRootAsync(options));
  }

  private static withLedger(definition: DynamicModule): DynamicModule {
    return {
      ...definition,
      imports: [...(definition.imports ?? []), DiscoveryModule],
      providers: [
        ...(definition.providers ?? []),
        HostSubscription,
        ...FROM_OPTIONS,
        ...SERVICES,
        ...HANDLERS,
        ReadModelRunner,
      ],
      exports: [...(definition.exports ?? []), ...EXPORTS],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    // The runners stopped before (ReadModelRunner); read models close first, then the store.
    await this.storage.close();
    this.logger.log('event store closed');
  }
}
