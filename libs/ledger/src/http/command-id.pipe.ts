import { BadRequestException, Injectable, type PipeTransform } from '@nestjs/common';
import { isUuid } from '@ratchet/lifecycle';

/** A `{commandId}` path parameter: a UUID, normalised to lower case. */
@Injectable()
export class CommandIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!isUuid(value))
      throw new BadRequestException([
        `commandId must be a UUID, got "${String(value).slice(0, 80)}"`,
      ]);
    return value.toLowerCase();
  }
}
