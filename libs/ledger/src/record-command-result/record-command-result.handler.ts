import { Logger } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { TransitionMetadata } from '@ratchet/lifecycle';
import { deviceIssuer, InstanceMetadata } from '../services/instance-metadata.js';
import { runWithCommand } from '../logging/log-context.js';
import { type DeviceInputOutcome, toDeviceOutcome } from '../device-input.js';
import { RetryScheduler } from '../services/retry-scheduler.service.js';
import { CommandTransitions } from '../transition/command-transitions.service.js';
import { RecordCommandResult } from './record-command-result.command.js';

@CommandHandler(RecordCommandResult)
export class RecordCommandResultHandler implements ICommandHandler<
  RecordCommandResult,
  DeviceInputOutcome
> {
  private readonly logger = new Logger('RecordCommandResult');

  constructor(
    private readonly transitions: CommandTransitions,
    private readonly meta: InstanceMetadata,
    private readonly retries: RetryScheduler,
  ) {}

  async execute(c: RecordCommandResult): Promise<DeviceInputOutcome> {
    const metadata = this.meta.build(c.mqtt ? 'mqtt' : 'bus', c.commandId, null, {
      ...(c.mqtt ? { mqtt: c.mqtt } : {}),
      ...(c.epoch === undefined ? {} : { epoch: c.epoch }),
      issuedBy: deviceIssuer(c.deviceId),
    });
    return runWithCommand(
      { commandId: c.commandId, deviceId: c.deviceId, correlationId: metadata.correlationId },
      () => this.record(c, metadata),
    );
  }

  private async record(
    c: RecordCommandResult,
    metadata: TransitionMetadata,
  ): Promise<DeviceInputOutcome> {
    const r = await this.transitions.apply(
      c.commandId,
      {
        kind: 'record_result',
        deviceId: c.deviceId,
        status: c.status,
        output: c.output,
        error: c.error ?? null,
      },
      metadata,
    );
    // A failed result may be retried; the outcome to the device is the same either way.
    if (r.outcome === 'applied' && r.state.status === 'failed') {
      // The result is recorded whatever happens next; a retry that fails here is made by a sweep.
      await this.retries.retryIfDue(r.state).catch((e: unknown) => {
        this.logger.warn(
          `command=${c.commandId} retry after failure deferred to the sweeper: ${String(e)}`,
        );
      });
    }
    return toDeviceOutcome(r);
  }
}
