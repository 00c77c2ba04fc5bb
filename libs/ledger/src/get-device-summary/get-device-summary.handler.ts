import { Inject, Optional } from '@nestjs/common';
import { type IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { type DeviceSummary, READ_MODEL_STORE, type ReadModelStore } from '@ratchet/read-models';
import { DeviceNotFoundError, InvalidRequestError } from '../errors.js';
import { DEVICE_ID_PATTERN } from '@ratchet/lifecycle';
import { ReadModelsUnavailableError } from '../read-models-unavailable.error.js';
import { GetDeviceSummaryQuery } from './get-device-summary.query.js';

@QueryHandler(GetDeviceSummaryQuery)
export class GetDeviceSummaryHandler implements IQueryHandler<
  GetDeviceSummaryQuery,
  DeviceSummary
> {
  constructor(
    @Optional() @Inject(READ_MODEL_STORE) private readonly readModels?: ReadModelStore | null,
  ) {}

  async execute({ deviceId }: GetDeviceSummaryQuery): Promise<DeviceSummary> {
    if (!this.readModels) throw new ReadModelsUnavailableError('GetDeviceSummaryQuery');
    if (!DEVICE_ID_PATTERN.test(deviceId)) {
      throw new InvalidRequestError([`deviceId must match ${DEVICE_ID_PATTERN.source}`]);
    }
    const summary = await this.readModels.getDeviceSummary(deviceId);
    if (!summary) throw new DeviceNotFoundError(deviceId);
    return summary;
  }
}
