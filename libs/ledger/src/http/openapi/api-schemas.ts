/**
 * The bodies of CONTRACT.md section 2 as JSON Schema (OpenAPI 3.0), added to `/docs-json` as
 * `components.schemas`. Only what this service returns: `additionalProperties: false`, so a
 * field added to a response without its schema fails test/openapi.e2e-spec.ts.
 */
import { STATUSES } from '@ratchet/lifecycle';

const time = { type: 'string', format: 'date-time', example: '2026-12-03T09:45:46.679Z' };
const nullableTime = { ...time, nullable: true };
const uuid = { type: 'string', format: 'uuid', example: '2b8d2cfc-6ff9-4d71-81f8-16f66c5f81b8' };
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const closed = (properties: Record<string, object>, example?: object) => ({
  type: 'object',
  properties,
  required: Object.keys(properties),
  additionalProperties: false,
  ...(example ? { example } : {}),
});

const LateResult = {
  type: 'object',
  nullable: true,
  description:
    'A device result that arrived after timed_out, cancelled or expired (kept as evidence).',
  properties: {
    at: time,
    status: { type: 'string', enum: ['executed', 'failed'] },
    output: { description: 'what the device reported, any JSON' },
    error: { type: 'string', nullable: true },
  },
  required: ['at', 'status', 'error'],
  additionalProperties: false,
};

const Command = closed({
  commandId: uuid,
  deviceId: { type: 'string', example: 'pump-17' },
  name: { type: 'string', example: 'set-speed' },
  payload: { type: 'object', additionalProperties: true, example: { rpm: 1200 } },
  status: { type: 'string', enum: STATUSES, example: 'acknowledged' },
  revision: { type: 'integer', minimum: 0, example: 2 },
  attempt: { type: 'integer', minimum: 1, example: 1 },
  retryOf: { ...uuid, nullable: true, example: null },
  retriedBy: { ...uuid, nullable: true, example: null },
  delivery: { type: 'string', enum: ['when_online', 'immediate'], example: 'when_online' },
  queue: {
    ...closed({
      key: { type: 'string', example: 'motor' },
      supersede: { type: 'boolean', example: false },
    }),
    nullable: true,
    example: null,
  },
  waiting: {
    type: 'object',
    nullable: true,
    example: null,
    description:
      'null unless requested and held back: { reason: device_offline } or { reason: queued, behind: <commandId> }',
    properties: {
      reason: { type: 'string', enum: ['device_offline', 'queued'] },
      behind: uuid,
    },
    required: ['reason'],
    additionalProperties: false,
  },
  supersededBy: { ...uuid, nullable: true, example: null },
  fleetCommandId: { ...uuid, nullable: true, example: null },
  requestedAt: time,
  sentAt: nullableTime,
  acknowledgedAt: nullableTime,
  completedAt: { ...nullableTime, example: null },
  result: { description: 'the output of an executed or failed command: any JSON, or null' },
  error: { type: 'string', nullable: true, example: null },
  lateResult: LateResult,
});

const ErrorBody = closed({
  statusCode: { type: 'integer', example: 400 },
  error: { type: 'string', example: 'Bad Request' },
  message: {
    type: 'array',
    items: { type: 'string' },
    example: ['deviceId must match ^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$'],
  },
});

/** 409 of POST /commands and of cancel: the error and the command as it is. */
const ConflictBody = {
  ...closed({
    statusCode: { type: 'integer', example: 409 },
    error: { type: 'string', example: 'Conflict' },
    message: {
      type: 'array',
      items: { type: 'string' },
      example: ['command 2b8d… is executed: only a requested command can be cancelled'],
    },
    command: ref('Command'),
    fleetCommand: ref('FleetCommand'),
  }),
  required: ['statusCode', 'error', 'message'],
};

const CommandList = closed({
  items: { type: 'array', items: ref('Command') },
  next: {
    type: 'string',
    nullable: true,
    description: 'the `after` of the next page; null on the last',
    example: null,
  },
});

const HistoryEvent = closed({
  revision: { type: 'integer', minimum: 0, example: 2 },
  type: {
    type: 'string',
    example: 'CommandAcknowledged',
    description:
      'CommandRequested, CommandSent, CommandAcknowledged, CommandExecuted, CommandFailed, CommandTimedOut, CommandCancelled, CommandExpired, CommandLateResultObserved',
  },
  data: { type: 'object', additionalProperties: true, example: { at: '2026-12-03T09:45:46.902Z' } },
  metadata: {
    type: 'object',
    additionalProperties: true,
    description:
      'correlationId, causationId, instanceId, source; for device inputs mqtt (topic, qos, dup, retain, messageId) and epoch',
    example: {
      correlationId: '2b8d2cfc-6ff9-4d71-81f8-16f66c5f81b8',
      causationId: null,
      instanceId: 'ledger-1',
      source: 'mqtt',
      mqtt: {
        topic: 'devices/pump-17/commands/2b8d2cfc-6ff9-4d71-81f8-16f66c5f81b8/ack',
        qos: 1,
        dup: false,
        retain: false,
        messageId: 7,
      },
    },
  },
  recordedAt: time,
});

const CommandHistory = closed({
  commandId: uuid,
  events: { type: 'array', items: ref('HistoryEvent') },
});

const DeviceSummary = closed({
  deviceId: { type: 'string', example: 'pump-17' },
  presence: closed({
    status: { type: 'string', enum: ['unknown', 'online', 'offline'], example: 'online' },
    epoch: { type: 'integer', minimum: 1, nullable: true, example: 12 },
    since: { ...nullableTime },
  }),
  waiting: {
    type: 'integer',
    minimum: 0,
    example: 2,
    description: 'commands held back now (rule 8)',
  },
  total: { type: 'integer', minimum: 0, example: 44 },
  byStatus: closed(Object.fromEntries(STATUSES.map((s) => [s, { type: 'integer', minimum: 0 }]))),
  lastCommand: {
    ...closed({ commandId: uuid, requestedAt: time }),
    nullable: true,
  },
  lastSeenAt: nullableTime,
  successRate: { type: 'number', minimum: 0, maximum: 1, nullable: true, example: 0.976 },
});

const FLEET_STATUSES_ = ['rolling_out', 'paused', 'completed', 'aborted', 'cancelled'];
const FleetCommand = closed({
  fleetCommandId: uuid,
  status: { type: 'string', enum: FLEET_STATUSES_, example: 'rolling_out' },
  name: { type: 'string', example: 'update-firmware' },
  target: {
    type: 'object',
    description: '{ deviceIds } or { group, continuous }',
    properties: {
      deviceIds: { type: 'array', items: { type: 'string' } },
      group: { type: 'string' },
      continuous: { type: 'boolean' },
    },
    additionalProperties: false,
    example: { group: 'pumps-north', continuous: false },
  },
  rollout: closed({
    perMinute: { type: 'integer', minimum: 1, nullable: true, example: 600 },
    maxInFlight: { type: 'integer', minimum: 1, nullable: true, example: 200 },
  }),
  abort: {
    ...closed({
      afterCompleted: { type: 'integer', minimum: 1, example: 50 },
      maxFailureRatio: { type: 'number', minimum: 0, maximum: 1, example: 0.1 },
    }),
    nullable: true,
  },
  createdAt: time,
  completedAt: nullableTime,
  targets: { type: 'integer', minimum: 0, example: 1200 },
  counts: closed(
    Object.fromEntries(
      [...STATUSES, 'not_created'].map((s) => [s, { type: 'integer', minimum: 0 }]),
    ),
  ),
});

const FleetCommandList = closed({
  items: { type: 'array', items: ref('FleetCommand') },
  next: {
    type: 'string',
    nullable: true,
    description: 'the `after` of the next page; null on the last',
  },
});

const Group = closed({
  group: { type: 'string', example: 'pumps-north' },
  memberCount: { type: 'integer', minimum: 0, example: 1200 },
  revision: { type: 'integer', minimum: 0, example: 7 },
  updatedAt: time,
  changed: { type: 'boolean', example: true },
});

const GroupMemberList = closed({
  items: { type: 'array', items: closed({ deviceId: { type: 'string', example: 'pump-17' } }) },
  next: {
    type: 'string',
    nullable: true,
    description: 'the `after` of the next page; null on the last',
  },
});

export const API_SCHEMAS: Record<string, object> = {
  FleetCommand,
  FleetCommandList,
  Group,
  GroupMemberList,
  Command,
  CommandList,
  HistoryEvent,
  CommandHistory,
  DeviceSummary,
  Error: ErrorBody,
  Conflict: ConflictBody,
};

/** A documented response: `@ApiResponse(...)` takes these. */
export const json = (status: number, description: string, schema: string) => ({
  status,
  description,
  content: { 'application/json': { schema: ref(schema) } },
});
