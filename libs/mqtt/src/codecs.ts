/**
 * Payload codecs for the four topic families (CONTRACT.md section 3). Encoders take trusted
 * ledger data; decoders take device bytes and return values, never throw.
 */
import { isValidEpoch } from '@ratchet/lifecycle';
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

/**
 * An ack carries nothing beyond its topic but, optionally, the device's session epoch (kept
 * for audit); other fields are tolerated and ignored.
 */
export type AckMessage = Readonly<Record<string, unknown>> & { readonly epoch?: number };

export interface ResultMessage {
  readonly status: 'executed' | 'failed';
  /** Present only if the device sent it (any JSON value, `null` included). */
  readonly output?: unknown;
  readonly error?: string;
  /** The device's session epoch when it acted (CONTRACT.md section 3), if it said. */
  readonly epoch?: number;
  /**
   * Top-level fields other than status/output/error/epoch. Tolerated so that newer firmware does
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

/** What a device sends as an answer; `epoch` is its session epoch when it acted. */
export interface AckToSend {
  readonly epoch?: number;
}
export interface ResultToSend {
  readonly status: 'executed' | 'failed';
  readonly output?: unknown;
  readonly error?: string;
  readonly epoch?: number;
}

export const encodeAck = (m: AckToSend = {}): Buffer =>
  Buffer.from(JSON.stringify(m.epoch === undefined ? {} : { epoch: m.epoch }), 'utf8');

/** Throws (TypeError) on an output JSON cannot carry, e.g. a bigint or a cycle. */
export function encodeResult(m: ResultToSend): Buffer {
  const body = {
    status: m.status,
    ...(m.output !== undefined ? { output: m.output } : {}),
    ...(m.error !== undefined ? { error: m.error } : {}),
    ...(m.epoch !== undefined ? { epoch: m.epoch } : {}),
  };
  return Buffer.from(JSON.stringify(body), 'utf8');
}

const BAD_EPOCH = 'epoch must be a whole number from 1 to 2^53 - 1';

/** `{}`, any other JSON object, or an empty payload; an `epoch`, if any, must be valid. */
export function decodeAck(input: PayloadInput, options?: DecodeOptions): Decoded<AckMessage> {
  const parsed = parseJsonPayload(input, options);
  if (!parsed.ok) return parsed;
  if (parsed.value === undefined) return accept({});
  if (!isJsonObject(parsed.value))
    return rejectPayload('bad_shape', 'an ack must be empty or a JSON object');
  if (Object.hasOwn(parsed.value, 'epoch') && !isValidEpoch(parsed.value.epoch))
    return rejectPayload('bad_shape', BAD_EPOCH);
  return accept(parsed.value);
}

const RESULT_FIELDS = new Set(['status', 'output', 'error', 'epoch']);

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
  if (Object.hasOwn(v, 'epoch') && !isValidEpoch(v.epoch))
    return rejectPayload('bad_shape', BAD_EPOCH);
  const ignoredFields = Object.keys(v).filter((k) => !RESULT_FIELDS.has(k));
  return accept({
    status: v.status,
    ...(Object.hasOwn(v, 'output') ? { output: v.output } : {}),
    ...(typeof v.error === 'string' ? { error: v.error } : {}),
    ...(isValidEpoch(v.epoch) ? { epoch: v.epoch } : {}),
    ignoredFields,
  });
}
