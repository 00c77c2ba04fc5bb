import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { InstanceMetadata } from '../instance-metadata.js';
import { type DeviceInputOutcome, toDeviceOutcome } from '../device-input.js';
import { CommandTransitions } from '../transition/command-transitions.service.js';
import { AcknowledgeCommand } from './acknowledge-command.command.js';

@CommandHandler(AcknowledgeCommand)
export class AcknowledgeCommandHandler implements ICommandHandler<
  AcknowledgeCommand,
  DeviceInputOutcome
> {
  constructor(
    private readonly transitions: CommandTransitions,
    private readonly meta: InstanceMetadata,
  ) {}

  async execute({ commandId, deviceId, mqtt }: AcknowledgeCommand): Promise<DeviceInputOutcome> {
    const r = await this.transitions.apply(
      commandId,
      { kind: 'acknowledge', deviceId },
      this.meta.build(mqtt ? 'mqtt' : 'bus', commandId, null, mqtt ? { mqtt } : undefined),
    );
    return toDeviceOutcome(r);
  }
}
