import { ApiPropertyOptional } from '../openapi-notes.js';
import { IsOptional, Matches, ValidateBy } from 'class-validator';
import { DEVICE_ID_PATTERN, isUuid } from '@ratchet/lifecycle';

const uuid = (field: string) =>
  ValidateBy({
    name: 'isUuid',
    validator: {
      validate: (value: unknown) => isUuid(value),
      defaultMessage: () => `${field} must be a UUID`,
    },
  });

/** The query string of `GET /events` (CONTRACT.md section 2): each filter narrows the stream. */
export class LiveEventsQueryDto {
  @ApiPropertyOptional({
    pattern: DEVICE_ID_PATTERN.source,
    description: "only this device's commands",
  })
  @IsOptional()
  @Matches(DEVICE_ID_PATTERN, { message: `deviceId must match ${DEVICE_ID_PATTERN.source}` })
  deviceId?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'only this command' })
  @IsOptional()
  @uuid('commandId')
  commandId?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'only the children of this fleet command' })
  @IsOptional()
  @uuid('fleetCommandId')
  fleetCommandId?: string;
}
