import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { deviceIssuer, InstanceMetadata } from '../services/instance-metadata.js';
import { runWithCommand } from '../logging/log-context.js';
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

  async execute({
    commandId,
    deviceId,
    mqtt,
    epoch,
  }: AcknowledgeCommand): Promise<DeviceInputOutcome> {
    const metadata = this.meta.build(mqtt ? 'mqtt' : 'bus', commandId, null, {
      ...(mqtt ? { mqtt } : {}),
      ...(epoch === undefined ? {} : { epoch }),
      issuedBy: deviceIssuer(deviceId),
    });
    const r = await runWithCommand(
      { commandId, deviceId, correlationId: metadata.correlationId },
      () => this.transitions.apply(commandId, { kind: 'acknowledge', deviceId }, metadata),
    );
    return toDeviceOutcome(r);
  }
}
