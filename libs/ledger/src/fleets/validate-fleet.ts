import {
  COMMAND_NAME_PATTERN,
  DEVICE_ID_PATTERN,
  type FleetCommandBody,
  MAX_FLEET_DEVICE_IDS,
  isDeviceId,
  isUuid,
} from '@ratchet/lifecycle';
import { payloadTooLarge, validateIssueRequest } from '../issue-command/validate-issue.js';

const FIELDS = new Set([
  'fleetCommandId',
  'target',
  'name',
  'payload',
  'ackTimeoutMs',
  'timeoutMs',
  'expiresInMs',
  'retry',
  'delivery',
  'queue',
  'rollout',
  'abort',
]);
/** The fields a fleet shares with a command, checked by the command's own rules. */
const COMMAND_FIELDS = ['name', 'payload', 'ackTimeoutMs', 'timeoutMs', 'expiresInMs', 'retry'];

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const unknownKeys = (o: Record<string, unknown>, allowed: readonly string[], prefix: string) =>
  Object.keys(o)
    .filter((k) => !allowed.includes(k))
    .map((k) => `${prefix}property ${k} should not exist`);

const positiveInt = (v: unknown) => Number.isInteger(v) && (v as number) >= 1;

export interface FleetBodyCheck {
  /** 400: what is wrong. */
  readonly problems: string[];
  /** 413: too many devices, or the payload too large. */
  readonly tooLarge: string | null;
}

/** The body of `POST /fleet-commands` (CONTRACT.md section 6), before defaults. */
export function checkFleetBody(body: unknown): FleetBodyCheck {
  if (!isObject(body)) return { problems: ['body must be a JSON object'], tooLarge: null };
  const problems = unknownKeys(body, [...FIELDS], '');
  if (body.fleetCommandId !== undefined && !isUuid(body.fleetCommandId)) {
    problems.push('fleetCommandId must be a UUID');
  }
  const command: Record<string, unknown> = { deviceId: 'fleet' };
  for (const k of COMMAND_FIELDS) if (k in body) command[k] = body[k];
  problems.push(...validateIssueRequest(command));
  let tooLarge = payloadTooLarge(body as { payload?: unknown });

  const t = body.target;
  if (!isObject(t)) {
    problems.push(
      'target must be { "deviceIds": [...] } or { "group": "...", "continuous"?: boolean }',
    );
  } else if ('deviceIds' in t) {
    problems.push(...unknownKeys(t, ['deviceIds'], 'target.'));
    if (!Array.isArray(t.deviceIds))
      problems.push('target.deviceIds must be an array of device ids');
    else {
      if (t.deviceIds.length > MAX_FLEET_DEVICE_IDS) {
        tooLarge = `target.deviceIds holds ${t.deviceIds.length} devices; at most ${MAX_FLEET_DEVICE_IDS}`;
      }
      const bad = t.deviceIds.filter((id) => !isDeviceId(id));
      if (bad.length > 0) {
        problems.push(
          `target.deviceIds must match ${DEVICE_ID_PATTERN.source}: ${bad
            .slice(0, 5)
            .map((b) => JSON.stringify(b))
            .join(', ')}`,
        );
      }
    }
  } else {
    problems.push(...unknownKeys(t, ['group', 'continuous'], 'target.'));
    if (!isDeviceId(t.group)) problems.push(`target.group must match ${DEVICE_ID_PATTERN.source}`);
    if (t.continuous !== undefined && typeof t.continuous !== 'boolean') {
      problems.push('target.continuous must be a boolean');
    }
  }
  if (
    body.delivery !== undefined &&
    body.delivery !== 'when_online' &&
    body.delivery !== 'immediate'
  ) {
    problems.push('delivery must be one of when_online, immediate');
  }
  const q = body.queue;
  if (q !== undefined) {
    if (!isObject(q)) problems.push('queue must be an object { key, supersede? }');
    else {
      problems.push(...unknownKeys(q, ['key', 'supersede'], 'queue.'));
      if (typeof q.key !== 'string' || !COMMAND_NAME_PATTERN.test(q.key)) {
        problems.push(`queue.key must match ${COMMAND_NAME_PATTERN.source}`);
      }
      if (q.supersede !== undefined && typeof q.supersede !== 'boolean') {
        problems.push('queue.supersede must be a boolean');
      }
    }
  }
  const r = body.rollout;
  if (r !== undefined) {
    if (!isObject(r)) problems.push('rollout must be an object { perMinute?, maxInFlight? }');
    else {
      problems.push(...unknownKeys(r, ['perMinute', 'maxInFlight'], 'rollout.'));
      for (const k of ['perMinute', 'maxInFlight'] as const) {
        if (r[k] !== undefined && !positiveInt(r[k]))
          problems.push(`rollout.${k} must be an integer ≥ 1`);
      }
    }
  }
  const a = body.abort;
  if (a !== undefined) {
    if (!isObject(a)) problems.push('abort must be an object { afterCompleted, maxFailureRatio }');
    else {
      problems.push(...unknownKeys(a, ['afterCompleted', 'maxFailureRatio'], 'abort.'));
      if (!positiveInt(a.afterCompleted))
        problems.push('abort.afterCompleted must be an integer ≥ 1');
      if (
        typeof a.maxFailureRatio !== 'number' ||
        !(a.maxFailureRatio >= 0 && a.maxFailureRatio <= 1)
      ) {
        problems.push('abort.maxFailureRatio must be a number from 0 to 1');
      }
    }
  }
  return { problems, tooLarge };
}

export const asFleetBody = (body: unknown): FleetCommandBody => body as FleetCommandBody;
