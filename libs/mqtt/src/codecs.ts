/**
 * Payload codecs for the four topic families (CONTRACT.md section 3). Encoders take trusted
 * ledger data; decoders take device bytes and return values, never throw.
 */
import {
  accept,
  isJsonObject,
  parseJsonPayload,
  rejectPayload,
  type Decoded,
  type DecodeOptions,
  type PayloadInput,
} from './json-payload.js';

export interface IntentMessage {
  readonly commandId: string;
  readonly name: string;
  readonly payload: Readonly<Record<string, unknown>>;
  readonly attempt: number;
  readonly issuedAt: Date | string;
  readonly expiresAt: Date | string;
}

export interface StateMessage {
  readonly commandId: string;
  /** A lifecycle status name (`requested` … `expired`); the lifecycle lib owns the list. */
  readonly status: string;
  /** The stream revision the state reflects; a subscriber keeps the highest it has seen. */
  readonly revision: bigint | number;
  readonly at: Date | string;
}

/** An ack carries no information beyond its topic; extra fields are tolerated and ignored. */
export type AckMessage = Readonly<Record<string, unknown>>;

export interface ResultMessage {
  readonly status: 'executed' | 'failed';
  /** Present only if the device sent it (any JSON value, `null` included). */
  readonly output?: unknown;
  readonly error?: string;
  /**
   * Top-level fields other than status/output/error. Tolerated so that newer firmware does
   * not see its results dropped, but not recorded: the caller may log them.
   */
  readonly ignoredFields: readonly string[];
}

/** A device's error text is a short diagnostic, not a log dump. */
export const MAX_RESULT_ERROR_LENGTH = 2048;

const iso = (t: Date | string): string => (typeof t === 'string' ? t : t.toISOString());

export function encodeIntent(m: IntentMessage): Buffer {
  const body = {
    commandId: m.commandId,
    name: m.name,
    payload: m.payload,
    attempt: m.attempt,
    issuedAt: iso(m.issuedAt),
    expiresAt: iso(m.expiresAt),
  };
  return Buffer.from(JSON.stringify(body), 'utf8');
}

export function encodeState(m: StateMessage): Buffer {
  // Revisions are bigint in the ledger; JSON has no bigint, and a command stream stays far
  // below 2^53 events.
  const body = {
    commandId: m.commandId,
    status: m.status,
    revision: Number(m.revision),
    at: iso(m.at),
  };
  return Buffer.from(JSON.stringify(body), 'utf8');
}

/** `{}`, any other JSON object, or an empty payload. */
export function decodeAck(input: PayloadInput, options?: DecodeOptions): Decoded<AckMessage> {
  const parsed = parseJsonPayload(input, options);
  if (!parsed.ok) return parsed;
  if (parsed.value === undefined) return accept({});
  if (!isJsonObject(parsed.value))
    return rejectPayload('bad_shape', 'an ack must be empty or a JSON object');
  return accept(parsed.value);
}

const RESULT_FIELDS = new Set(['status', 'output', 'error']);

export function decodeResult(input: PayloadInput, options?: DecodeOptions): Decoded<ResultMessage> {
  const parsed = parseJsonPayload(input, options);
  if (!parsed.ok) return parsed;
  const v = parsed.value;
  if (!isJsonObject(v)) return rejectPayload('bad_shape', 'a result must be a JSON object');
  if (v.status !== 'executed' && v.status !== 'failed') {
    return rejectPayload('bad_shape', 'status must be "executed" or "failed"');
  }
  if (Object.hasOwn(v, 'error') && typeof v.error !== 'string')
    return rejectPayload('bad_shape', 'error must be a string');
  if (typeof v.error === 'string' && v.error.length > MAX_RESULT_ERROR_LENGTH) {
    return rejectPayload('bad_shape', `error is longer than ${MAX_RESULT_ERROR_LENGTH} characters`);
  }
  const ignoredFields = Object.keys(v).filter((k) => !RESULT_FIELDS.has(k));
  return accept({
    status: v.status,
    ...(Object.hasOwn(v, 'output') ? { output: v.output } : {}),
    ...(typeof v.error === 'string' ? { error: v.error } : {}),
    ignoredFields,
  });
}
