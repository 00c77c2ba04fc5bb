import {
  type DynamicModule,
  Inject,
  Logger,
  Module,
  type ModuleMetadata,
  type FactoryProvider,
  type OnApplicationShutdown,
  type Provider,
} from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { EVENT_STORE } from '@ratchet/event-store';
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
import { RecordCommandResultHandler } from './record-command-result/record-command-result.handler.js';
import { LiveEvents } from './live-events/live-events.service.js';
import { CommandTransitions } from './transition/command-transitions.service.js';

export interface RatchetModuleAsyncOptions extends Pick<ModuleMetadata, 'imports'> {
  readonly inject?: NonNullable<FactoryProvider['inject']>;
  readonly useFactory: (...args: any[]) => RatchetModuleOptions | Promise<RatchetModuleOptions>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

const SERVICES = [
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
];
const HANDLERS = [
  IssueCommandHandler,
  AcknowledgeCommandHandler,
  RecordCommandResultHandler,
  CancelCommandHandler,
  TimeOutCommandHandler,
  ExpireCommandHandler,
  GetCommandHandler,
  GetCommandHistoryHandler,
  ListCommandsHandler,
  GetDeviceSummaryHandler,
];
const FROM_OPTIONS: Provider[] = [
  {
    provide: DEADLINE_INDEX,
    // The read models answer the sweeper's questions from their indexes.
    useFactory: (o: RatchetModuleOptions) => o.deadlineIndex ?? o.readModels ?? null,
    inject: [RATCHET_OPTIONS],
  },
  {
    provide: READ_MODEL_STORE,
    useFactory: (o: RatchetModuleOptions) => o.readModels ?? null,
    inject: [RATCHET_OPTIONS],
  },
  {
    provide: EVENT_STORE,
    useFactory: (o: RatchetModuleOptions) => o.eventStore,
    inject: [RATCHET_OPTIONS],
  },
  {
    provide: INTENT_PUBLISHER,
    // A wrapper, not the gateway itself: Nest would call its lifecycle hooks twice.
    useFactory: (o: RatchetModuleOptions, gateway: MqttGateway): IntentPublisher | null =>
      o.intentPublisher ??
      (o.mqtt
        ? {
            publishIntent: (...args) => gateway.publishIntent(...args),
            isAvailable: () => gateway.publisherAvailable(),
          }
        : null),
    inject: [RATCHET_OPTIONS, MqttGateway],
  },
];
const EXPORTS = [EVENT_STORE, READ_MODEL_STORE, RATCHET_OPTIONS, ...SERVICES];

/**
 * The ledger on a NestJS application's own CQRS bus: `commandBus.execute(new IssueCommand(…))`,
 * `AcknowledgeCommand`, `RecordCommandResult`, `CancelCommand`, and the queries on the `QueryBus`.
 */
@Module({})
export class RatchetModule implements OnApplicationShutdown {
  private readonly logger = new Logger('Ratchet');

  constructor(@Inject(RATCHET_OPTIONS) private readonly options: RatchetModuleOptions) {}

  static forRoot(options: RatchetModuleOptions): DynamicModule {
    return RatchetModule.build([{ provide: RATCHET_OPTIONS, useValue: options }]);
  }

  static forRootAsync(options: RatchetModuleAsyncOptions): DynamicModule {
    return RatchetModule.build(
      [{ provide: RATCHET_OPTIONS, useFactory: options.useFactory, inject: options.inject ?? [] }],
      options.imports,
    );
  }

  private static build(
    optionProviders: Provider[],
    imports: ModuleMetadata['imports'] = [],
  ): DynamicModule {
    return {
      module: RatchetModule,
      // One ledger per application: its services (the store, the gateway, the metrics) are
      // visible to every module, RatchetHttpModule among them.
      global: true,
      imports: [CqrsModule.forRoot(), ...imports],
      providers: [...optionProviders, ...FROM_OPTIONS, ...SERVICES, ...HANDLERS, ReadModelRunner],
      exports: EXPORTS,
    };
  }

  async onApplicationShutdown(): Promise<void> {
    // Their runners stopped before (ReadModelRunner); they read the store, so close them first.
    if (this.options.ownsReadModels) await this.options.readModels?.close();
    if (!this.options.ownsStore) return;
    await this.options.eventStore.close();
    this.logger.log('event store closed');
  }
}
