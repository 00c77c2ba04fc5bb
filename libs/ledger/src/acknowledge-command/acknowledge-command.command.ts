import { Command } from '@nestjs/cqrs';
import type { DeviceInputOutcome, MqttFacts } from '../device-input.js';

/** A device acknowledged a command: it received the intent. */
export class AcknowledgeCommand extends Command<DeviceInputOutcome> {
  constructor(
    readonly commandId: string,
    /** The device that spoke (from the topic), checked against the command's device. */
    readonly deviceId: string,
    readonly mqtt?: MqttFacts,
    /** The device's session epoch when it acknowledged, if it said: kept as metadata.epoch. */
    readonly epoch?: number,
  ) {
    super();
  }
}
