import { Query } from '@nestjs/cqrs';
import type { Presence } from '@ratchet/lifecycle';
import type { DeviceSummary as CommandCounts } from '@ratchet/read-models';

/** `GET /devices/{deviceId}` (CONTRACT.md section 2): presence, commands by status, waiting. */
export interface DeviceSummary extends CommandCounts {
  readonly presence: Presence;
  /** How many of its commands are held back now (rule 8). */
  readonly waiting: number;
}

/** One device's presence, its commands by status, how many wait, last command and last contact. */
export class GetDeviceSummaryQuery extends Query<DeviceSummary> {
  constructor(readonly deviceId: string) {
    super();
  }
}
