import { Command } from '@nestjs/cqrs';
import type { DeviceInputOutcome, MqttFacts } from '../device-input.js';

/** A device reported the outcome of a command. After a timeout it is kept as a late result. */
export class RecordCommandResult extends Command<DeviceInputOutcome> {
  constructor(
    readonly commandId: string,
    readonly deviceId: string,
    readonly status: 'executed' | 'failed',
    readonly output?: unknown,
    readonly error?: string | null,
    readonly mqtt?: MqttFacts,
    /** The device's session epoch when it acted, if it said: kept as metadata.epoch. */
    readonly epoch?: number,
  ) {
    super();
  }
}
