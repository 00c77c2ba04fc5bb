/**
 * Bytes → JSON for inbound MQTT payloads, as a value, never an exception: a device must not be
 * able to stop the service with a malformed message (CONTRACT.md section 3).
 */
import { hasNulCharacter } from '@ratchet/lifecycle';
export type DecodeRejection = 'invalid_json' | 'bad_shape' | 'too_large' | 'unsupported_character';

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
    // Valid JSON, but not storable (see hasNulCharacter): refused, counted, acknowledged.
    if (hasNulCharacter(value)) {
      return rejectPayload(
        'unsupported_character',
        'the payload contains U+0000, which cannot be stored',
      );
    }
    return accept(value);
  } catch (e) {
    // TextDecoder (invalid UTF-8) and JSON.parse (syntax, or a pathological nesting depth)
    // are the only throwers here.
    return rejectPayload('invalid_json', e instanceof Error ? e.message : 'unparseable payload');
  }
}

export const isJsonObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
