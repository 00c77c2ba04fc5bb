import { Command } from '@nestjs/cqrs';
import type { PresenceInput } from '@ratchet/lifecycle';
import type { MqttFacts } from '../device-input.js';

export interface PresenceOutcome {
  readonly outcome: 'applied' | 'unchanged';
  /** Why nothing changed: `stale` (counted) or `invalid_epoch`. */
  readonly reason?: string;
}

/** A device's presence message (`devices/{id}/presence`): its birth, its will or its goodbye. */
export class RecordPresence extends Command<PresenceOutcome> {
  constructor(
    readonly deviceId: string,
    readonly input: PresenceInput,
    readonly mqtt?: MqttFacts,
  ) {
    super();
  }
}
