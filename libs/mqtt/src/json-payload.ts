/**
 * Bytes → JSON for inbound MQTT payloads, as a value, never an exception: a device must not be
 * able to stop the service with a malformed message (CONTRACT.md section 3).
 */
import { MAX_JSON_DEPTH, unstorable } from '@ratchet/lifecycle';
export type DecodeRejection =
  'invalid_json' | 'bad_shape' | 'too_large' | 'unsupported_character' | 'too_deep';

export type Decoded<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly reason: DecodeRejection; readonly detail: string };

export const accept = <T>(value: T): Decoded<T> => ({ ok: true, value });
export const rejectPayload = <T>(reason: DecodeRejection, detail: string): Decoded<T> => ({
  ok: false,
  reason,
  detail,
});

/** A command payload may be 64 KiB serialised; the envelope around it gets some room. */
export const DEFAULT_MAX_INBOUND_BYTES = 64 * 1024 + 4 * 1024;

export interface DecodeOptions {
  /** Payloads longer than this many bytes are `too_large` without being parsed. */
  readonly maxBytes?: number;
}

/** `fatal` makes invalid UTF-8 an error instead of silently becoming U+FFFD. */
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

export type PayloadInput = Uint8Array | string | null | undefined;

/** The payload's length in bytes (strings count as their UTF-8 encoding). */
export const payloadBytes = (input: PayloadInput): number =>
  input == null
    ? 0
    : typeof input === 'string'
      ? Buffer.byteLength(input, 'utf8')
      : input.byteLength;

/**
 * Parses the payload as JSON. Returns `{ ok: true, value: undefined }` for an empty payload so
 * that callers decide whether empty is allowed (it is for acks).
 */
export function parseJsonPayload(
  input: PayloadInput,
  options: DecodeOptions = {},
): Decoded<unknown> {
  try {
    const max = options.maxBytes ?? DEFAULT_MAX_INBOUND_BYTES;
    const size = payloadBytes(input);
    if (size > max)
      return rejectPayload('too_large', `payload is ${size} bytes, the limit is ${max}`);
    if (size === 0) return accept(undefined);
    const text = typeof input === 'string' ? input : utf8.decode(input as Uint8Array);
    const value = JSON.parse(text) as unknown;
    // Valid JSON, but not storable (see unstorable): refused, counted, acknowledged. The whole
    // message is checked, one level more than a payload may nest: a result's output is inside.
    const problem = unstorable(value, MAX_JSON_DEPTH + 1);
    if (problem)
      return rejectPayload(problem.reason, `the payload cannot be stored: ${problem.detail}`);
    return accept(value);
  } catch (e) {
    // TextDecoder (invalid UTF-8) and JSON.parse (syntax, or a pathological nesting depth)
    // are the only throwers here.
    return rejectPayload('invalid_json', e instanceof Error ? e.message : 'unparseable payload');
  }
}

export const isJsonObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
