import { ApiProperty, ApiPropertyOptional } from '../openapi-notes.js';
import { COMMAND_NAME_PATTERN, DEVICE_ID_PATTERN } from '@ratchet/lifecycle';
import { Type } from 'class-transformer';
import {
  ArrayUnique,
  IsArray,
  IsBoolean,
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

export const MAX_PAYLOAD_BYTES = 64 * 1024;
/** Deadlines are bounded so that a typo cannot park a command for years. */
export const MAX_DEADLINE_MS = 7 * 24 * 3600 * 1000;

export class RetryPolicyDto {
  @ApiPropertyOptional({
    minimum: 1,
    maximum: 10,
    default: 1,
    description: 'attempts in all, the first included',
  })
  @IsInt()
  @Min(1)
  @Max(10)
  @IsOptional()
  maxAttempts?: number;

  @ApiPropertyOptional({
    type: [String],
    enum: ['timed_out', 'failed'],
    description: 'statuses that start a new attempt',
  })
  @IsArray()
  @ArrayUnique()
  @IsIn(['timed_out', 'failed'], { each: true })
  @IsOptional()
  on?: ('timed_out' | 'failed')[];
}

/** `queue` (CONTRACT.md rules 8 and 10): one command of a key in flight per device. */
export class QueueDto {
  @ApiProperty({ pattern: COMMAND_NAME_PATTERN.source, example: 'motor' })
  @Matches(COMMAND_NAME_PATTERN, { message: `queue.key must match ${COMMAND_NAME_PATTERN.source}` })
  key!: string;

  @ApiPropertyOptional({
    default: false,
    description: 'cancel the waiting (not yet sent) commands of this device and key',
  })
  @IsOptional()
  @IsBoolean({ message: 'queue.supersede must be a boolean' })
  supersede?: boolean;
}

/** The body of `POST /commands` and the data of `IssueCommand` (CONTRACT.md section 2). */
export class IssueCommandDto {
  @ApiPropertyOptional({
    format: 'uuid',
    description: "the client's idempotency key; generated when absent",
  })
  @IsOptional()
  @IsUUID('all', { message: 'commandId must be a UUID' })
  commandId?: string;

  @ApiProperty({ pattern: DEVICE_ID_PATTERN.source, example: 'pump-17' })
  @Matches(DEVICE_ID_PATTERN, { message: `deviceId must match ${DEVICE_ID_PATTERN.source}` })
  deviceId!: string;

  @ApiProperty({ pattern: COMMAND_NAME_PATTERN.source, example: 'set-speed' })
  @Matches(COMMAND_NAME_PATTERN, { message: `name must match ${COMMAND_NAME_PATTERN.source}` })
  name!: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    example: { rpm: 1200 },
    description: 'any JSON object, at most 64 KiB serialised',
  })
  @IsOptional()
  @IsObject({ message: 'payload must be a JSON object' })
  payload?: Record<string, unknown>;

  @ApiPropertyOptional({
    minimum: 1,
    description: 'from sent until an ack (ms); default from configuration',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_DEADLINE_MS)
  ackTimeoutMs?: number;

  @ApiPropertyOptional({
    minimum: 1,
    description:
      'from sent until a result (ms; counted from requested before version 2); default from configuration',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_DEADLINE_MS)
  timeoutMs?: number;

  @ApiPropertyOptional({
    minimum: 1,
    description:
      'from requested, until which it may still be sent (ms); default from configuration',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_DEADLINE_MS)
  expiresInMs?: number;

  @ApiPropertyOptional({ type: () => RetryPolicyDto })
  @IsOptional()
  // ValidateNested alone lets an array through (its elements are validated, the policy is lost).
  @IsObject({ message: 'retry must be a JSON object' })
  @ValidateNested()
  @Type(() => RetryPolicyDto)
  retry?: RetryPolicyDto;

  @ApiPropertyOptional({
    enum: ['when_online', 'immediate'],
    default: 'when_online',
    description:
      'when_online: wait while the device is offline (a device whose presence is unknown is sent to at once); immediate: send whatever the presence',
  })
  @IsOptional()
  @IsIn(['when_online', 'immediate'], { message: 'delivery must be when_online or immediate' })
  delivery?: 'when_online' | 'immediate';

  @ApiPropertyOptional({ type: () => QueueDto })
  @IsOptional()
  @IsObject({ message: 'queue must be a JSON object' })
  @ValidateNested()
  @Type(() => QueueDto)
  queue?: QueueDto;
}
