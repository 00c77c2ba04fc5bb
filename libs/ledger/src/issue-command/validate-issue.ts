import { unstorable } from '@ratchet/lifecycle';
import { plainToInstance } from 'class-transformer';
import { type ValidationError, validateSync } from 'class-validator';
import { IssueCommandDto, MAX_PAYLOAD_BYTES } from './issue-command.dto.js';

const FIELDS = new Set([
  'commandId',
  'deviceId',
  'name',
  'payload',
  'ackTimeoutMs',
  'timeoutMs',
  'expiresInMs',
  'retry',
  'delivery',
  'queue',
]);
const RETRY_FIELDS = new Set(['maxAttempts', 'on']);
const QUEUE_FIELDS = new Set(['key', 'supersede']);

/**
 * The DTO's rules as messages. HTTP requests and callers on the bus both come through here,
 * with the body as it was parsed: the payload is stored exactly as sent, so it never passes
 * through class-transformer, which drops keys named like `Object.prototype` members.
 */
export function validateIssueRequest(body: unknown): string[] {
  if (!isPlainObject(body)) return ['body must be a JSON object'];
  // Own keys, checked before anything walks the body: `__proto__` or `constructor` as a key is
  // refused like any unknown field, and only the known ones are handed to class-validator.
  const messages = Object.keys(body)
    .filter((k) => !FIELDS.has(k))
    .map((k) => `property ${k} should not exist`);
  const known = pick(body, FIELDS);
  if (isPlainObject(known.retry)) {
    for (const k of Object.keys(known.retry))
      if (!RETRY_FIELDS.has(k)) messages.push(`retry.property ${k} should not exist`);
    known.retry = pick(known.retry, RETRY_FIELDS);
  }
  if (isPlainObject(known.queue)) {
    for (const k of Object.keys(known.queue))
      if (!QUEUE_FIELDS.has(k)) messages.push(`queue.property ${k} should not exist`);
    known.queue = pick(known.queue, QUEUE_FIELDS);
  }
  // Before class-validator walks it: a payload nested thousands of levels deep is refused here.
  const problem = unstorable(known.payload);
  if (problem) messages.push(`payload cannot be stored: ${problem.detail}`);
  else if (known.payload !== undefined && !isPlainObject(known.payload))
    messages.push('payload must be a JSON object');
  // The other fields are flat (retry.on is the deepest, at 3 levels): a deeply nested value in
  // one of them is refused here too, before class-transformer recurses into it.
  const rest = unstorable({ ...known, payload: null }, 4);
  if (rest) return [...messages, `body cannot be stored: ${rest.detail}`];
  const dto = plainToInstance(IssueCommandDto, { ...known, payload: undefined });
  return [...messages, ...flatten(validateSync(dto, { whitelist: true }))];
}

const pick = (o: Record<string, unknown>, keys: ReadonlySet<string>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(o).filter(([k]) => keys.has(k)));

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** CONTRACT.md: the payload is at most 64 KiB serialised. */
export function payloadTooLarge(body: { payload?: unknown }): string | null {
  const size =
    body.payload === undefined ? 0 : Buffer.byteLength(JSON.stringify(body.payload) ?? '');
  return size > MAX_PAYLOAD_BYTES
    ? `payload is ${size} bytes serialised; at most ${MAX_PAYLOAD_BYTES} are allowed`
    : null;
}

function flatten(errors: ValidationError[], prefix = ''): string[] {
  return errors.flatMap((e) => [
    ...Object.values(e.constraints ?? {}).map((m) => (prefix ? `${prefix}.${m}` : m)),
    ...flatten(e.children ?? [], prefix ? `${prefix}.${e.property}` : e.property),
  ]);
}
