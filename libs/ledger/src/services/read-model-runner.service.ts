import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  Optional,
} from '@nestjs/common';
import { READ_MODEL_STORE, type ReadModelStore, stateTopicProjection } from '@ratchet/read-models';
import { MqttGateway } from '../mqtt/mqtt-gateway.service.js';
import { RATCHET_OPTIONS, type RatchetModuleOptions } from '../options/ratchet.options.js';

/**
 * Starts the projection runners with the application and stops them before anything they use
 * (the store, the database) is closed. Stopping lets the batch in flight commit or roll back.
 */
@Injectable()
export class ReadModelRunner implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('ReadModels');

  constructor(
    @Inject(RATCHET_OPTIONS) private readonly options: RatchetModuleOptions,
    private readonly gateway: MqttGateway,
    @Optional() @Inject(READ_MODEL_STORE) private readonly readModels?: ReadModelStore | null,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.readModels) return;
    if (this.gateway.enabled && this.options.stateTopic !== false) {
      this.readModels.addProjection(
        stateTopicProjection((states) => this.gateway.publishStates(states)),
      );
    }
    this.readModels.start();
    this.logger.log(
      `projections running: ${this.readModels
        .status()
        .map((s) => `${s.name} v${s.version}`)
        .join(', ')}`,
    );
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.readModels?.stop();
  }
}
