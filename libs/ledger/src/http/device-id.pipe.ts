import { BadRequestException, Injectable, type PipeTransform } from '@nestjs/common';
import { DEVICE_ID_PATTERN } from '@ratchet/lifecycle';

/** A `{deviceId}` path parameter, with the same rule as in a command. */
@Injectable()
export class DeviceIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!DEVICE_ID_PATTERN.test(value)) {
      throw new BadRequestException([`deviceId must match ${DEVICE_ID_PATTERN.source}`]);
    }
    return value;
  }
}
