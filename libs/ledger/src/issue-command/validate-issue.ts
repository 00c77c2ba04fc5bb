import { hasNulCharacter } from '@ratchet/lifecycle';
import { plainToInstance } from 'class-transformer';
import { type ValidationError, validateSync } from 'class-validator';
import { IssueCommandDto, MAX_PAYLOAD_BYTES } from './issue-command.dto.js';

/** The DTO's rules as messages, for callers on the bus that bypass the HTTP pipe. */
export function validateIssueRequest(body: unknown): string[] {
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    return ['body must be a JSON object'];
  const dto = plainToInstance(IssueCommandDto, body);
  const errors = validateSync(dto, { whitelist: true, forbidNonWhitelisted: true });
  const messages = flatten(errors);
  if (hasNulCharacter((body as { payload?: unknown }).payload)) {
    messages.push('payload must not contain the character U+0000: it cannot be stored');
  }
  return messages;
}

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
