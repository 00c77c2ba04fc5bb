import { Query } from '@nestjs/cqrs';
import type { DeviceSummary } from '@ratchet/read-models';

export type { DeviceSummary };

/** One device's commands by status, last command and last contact, from the read model. */
export class GetDeviceSummaryQuery extends Query<DeviceSummary> {
  constructor(readonly deviceId: string) {
    super();
  }
}
