import { Command } from '@nestjs/cqrs';
import type { DeviceInputOutcome, MqttFacts } from '../device-input.js';

/** A device acknowledged a command: it received the intent. */
export class AcknowledgeCommand extends Command<DeviceInputOutcome> {
  constructor(
    readonly commandId: string,
    /** The device that spoke (from the topic), checked against the command's device. */
    readonly deviceId: string,
    readonly mqtt?: MqttFacts,
  ) {
    super();
  }
}
