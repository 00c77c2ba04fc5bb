import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { InstanceMetadata } from '../instance-metadata.js';
import { type DeviceInputOutcome, toDeviceOutcome } from '../device-input.js';
import { CommandTransitions } from '../transition/command-transitions.service.js';
import { RecordResult } from './record-result.command.js';

@CommandHandler(RecordResult)
export class RecordResultHandler implements ICommandHandler<RecordResult, DeviceInputOutcome> {
  constructor(
    private readonly transitions: CommandTransitions,
    private readonly meta: InstanceMetadata,
  ) {}

  async execute(c: RecordResult): Promise<DeviceInputOutcome> {
    const r = await this.transitions.apply(
      c.commandId,
      {
        kind: 'record_result',
        deviceId: c.deviceId,
        status: c.status,
        output: c.output,
        error: c.error ?? null,
      },
      this.meta.build(
        c.mqtt ? 'mqtt' : 'bus',
        c.commandId,
        null,
        c.mqtt ? { mqtt: c.mqtt } : undefined,
      ),
    );
    return toDeviceOutcome(r);
  }
}
