import { Type } from 'class-transformer';
import {
  ArrayUnique,
  IsArray,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsUUID,
  Matches,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';

export const DEVICE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
export const COMMAND_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;
export const MAX_PAYLOAD_BYTES = 64 * 1024;
/** Deadlines are bounded so that a typo cannot park a command for years. */
export const MAX_DEADLINE_MS = 7 * 24 * 3600 * 1000;

export class RetryPolicyDto {
  @IsInt()
  @Min(1)
  @Max(10)
  @IsOptional()
  maxAttempts?: number;

  @IsArray()
  @ArrayUnique()
  @IsIn(['timed_out', 'failed'], { each: true })
  @IsOptional()
  on?: ('timed_out' | 'failed')[];
}

/** The body of `POST /commands` and the data of `IssueCommand` (CONTRACT.md section 2). */
export class IssueCommandDto {
  @IsOptional()
  @IsUUID('all', { message: 'commandId must be a UUID' })
  commandId?: string;

  @Matches(DEVICE_ID_PATTERN, { message: `deviceId must match ${DEVICE_ID_PATTERN.source}` })
  deviceId!: string;

  @Matches(COMMAND_NAME_PATTERN, { message: `name must match ${COMMAND_NAME_PATTERN.source}` })
  name!: string;

  @IsOptional()
  @IsObject({ message: 'payload must be a JSON object' })
  payload?: Record<string, unknown>;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_DEADLINE_MS)
  ackTimeoutMs?: number;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_DEADLINE_MS)
  timeoutMs?: number;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_DEADLINE_MS)
  expiresInMs?: number;

  @IsOptional()
  @ValidateNested()
  @Type(() => RetryPolicyDto)
  retry?: RetryPolicyDto;
}
