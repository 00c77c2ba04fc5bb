import { ApiPropertyOptional } from '../openapi-notes.js';
import { Transform } from 'class-transformer';
import { IsIn, IsOptional, Matches, ValidateBy } from 'class-validator';
import { type CommandStatus, STATUSES, isUuid } from '@ratchet/lifecycle';
import { isListCursor } from '@ratchet/read-models';
import { DEVICE_ID_PATTERN } from '@ratchet/lifecycle';
import { MAX_LIST_LIMIT } from './list-commands.query.js';
import { issuerProblem } from '../services/instance-metadata.js';

/** `?status=` with nothing after it means "no filter", as if the parameter were absent. */
const emptyIsAbsent = ({ value }: { value: unknown }) => (value === '' ? undefined : value);

/** Plain decimal digits only: `1e2`, `0x10` or ` 5` are not what a client meant to send. */
const toLimit = (value: unknown): unknown =>
  value === '' || value === undefined
    ? undefined
    : typeof value === 'string' && /^[0-9]{1,4}$/.test(value)
      ? Number(value)
      : value;

/** The query string of `GET /devices/{deviceId}/commands` (CONTRACT.md section 2). */
export class DeviceCommandsQueryDto {
  @ApiPropertyOptional({ enum: STATUSES })
  @IsOptional()
  @Transform(emptyIsAbsent)
  @IsIn(STATUSES, { message: `status must be one of ${STATUSES.join(', ')}` })
  status?: CommandStatus;

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_LIST_LIMIT, default: 50 })
  @IsOptional()
  @Transform(({ value }) => toLimit(value))
  @ValidateBy({
    name: 'isListLimit',
    validator: {
      validate: (value: unknown) =>
        Number.isInteger(value) && (value as number) >= 1 && (value as number) <= MAX_LIST_LIMIT,
      defaultMessage: () => `limit must be a whole number from 1 to ${MAX_LIST_LIMIT}`,
    },
  })
  limit?: number;

  @ApiPropertyOptional({ description: 'the `next` cursor of the previous page' })
  @IsOptional()
  @Transform(emptyIsAbsent)
  @ValidateBy({
    name: 'isListCursor',
    validator: {
      validate: isListCursor,
      defaultMessage: () => 'after must be the "next" cursor of a previous page',
    },
  })
  after?: string;
}

/** The query string of `GET /commands`. */
export class ListCommandsQueryDto extends DeviceCommandsQueryDto {
  @ApiPropertyOptional({ pattern: DEVICE_ID_PATTERN.source })
  @IsOptional()
  @Transform(emptyIsAbsent)
  @Matches(DEVICE_ID_PATTERN, { message: `deviceId must match ${DEVICE_ID_PATTERN.source}` })
  deviceId?: string;

  @ApiPropertyOptional({
    description:
      'who issued it: a credential name, `anonymous` (API open), `system` (retries), or a host principal',
    maxLength: 200,
  })
  @IsOptional()
  @Transform(emptyIsAbsent)
  @ValidateBy({
    name: 'isIssuer',
    validator: {
      validate: (value: unknown) => issuerProblem(value) === null,
      defaultMessage: () => 'issuedBy must be 1 to 200 characters without control characters',
    },
  })
  issuedBy?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'only the children of this fleet command' })
  @IsOptional()
  @Transform(emptyIsAbsent)
  @ValidateBy({
    name: 'isFleetCommandId',
    validator: {
      validate: (value: unknown) => isUuid(value),
      defaultMessage: () => 'fleetCommandId must be a UUID',
    },
  })
  fleetCommandId?: string;
}
