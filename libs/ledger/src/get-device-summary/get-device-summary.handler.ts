import { Inject, Optional } from '@nestjs/common';
import { type IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { EVENT_STORE, type EventStore } from '@ratchet/event-store';
import { READ_MODEL_STORE, type ReadModelStore } from '@ratchet/read-models';
import { DEVICE_ID_PATTERN, STATUSES, UNKNOWN_PRESENCE } from '@ratchet/lifecycle';
import { DeviceNotFoundError, InvalidRequestError } from '../errors.js';
import { readDevice } from '../device/device-stream.js';
import { ReadModelsUnavailableError } from '../read-models-unavailable.error.js';
import { Dispatcher } from '../services/dispatcher.service.js';
import { type DeviceSummary, GetDeviceSummaryQuery } from './get-device-summary.query.js';

/**
 * Counts and last contact from the read models; presence from the `device_presence` read model,
 * or from the device stream while that lags; the waiting count decided as the dispatcher decides
 * (on the device stream, read now). A device with presence but no command yet is found.
 */
@QueryHandler(GetDeviceSummaryQuery)
export class GetDeviceSummaryHandler implements IQueryHandler<
  GetDeviceSummaryQuery,
  DeviceSummary
> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly dispatcher: Dispatcher,
    @Optional() @Inject(READ_MODEL_STORE) private readonly readModels?: ReadModelStore | null,
  ) {}

  async execute({ deviceId }: GetDeviceSummaryQuery): Promise<DeviceSummary> {
    if (!this.readModels) throw new ReadModelsUnavailableError('GetDeviceSummaryQuery');
    if (!DEVICE_ID_PATTERN.test(deviceId)) {
      throw new InvalidRequestError([`deviceId must match ${DEVICE_ID_PATTERN.source}`]);
    }
    const [summary, projected, device] = await Promise.all([
      this.readModels.getDeviceSummary(deviceId),
      this.readModels.getDevicePresence(deviceId),
      readDevice(this.store, deviceId),
    ]);
    if (!summary && !device) throw new DeviceNotFoundError(deviceId);
    const presence = device?.presence ?? projected ?? UNKNOWN_PRESENCE;
    const counts = summary ?? {
      deviceId,
      total: 0,
      byStatus: Object.fromEntries(STATUSES.map((s) => [s, 0])) as DeviceSummary['byStatus'],
      lastCommand: null,
      lastSeenAt: null,
      successRate: null,
    };
    return {
      deviceId,
      presence,
      total: counts.total,
      byStatus: counts.byStatus,
      waiting: await this.dispatcher.countWaiting(device),
      lastCommand: counts.lastCommand,
      lastSeenAt: counts.lastSeenAt,
      successRate: counts.successRate,
    };
  }
}
