/**
 * The device's side of the intent (CONTRACT.md section 3): the ledger encodes it
 * (`encodeIntent`), a device decodes it here. Values, never exceptions: a malformed intent is
 * the device's to report, not to crash on.
 */
import { isUuid } from '@ratchet/lifecycle';
import {
  accept,
  isJsonObject,
  parseJsonPayload,
  rejectPayload,
  type Decoded,
  type DecodeOptions,
  type PayloadInput,
} from './json-payload.js';

/** An intent as a device receives it. */
export interface ReceivedIntent {
  readonly commandId: string;
  readonly name: string;
  readonly payload: Readonly<Record<string, unknown>>;
  /** 1 for the first attempt; a retry is a new command with a new id and a higher attempt. */
  readonly attempt: number;
  readonly issuedAt: string;
  /** After this instant the intent must not be executed. */
  readonly expiresAt: string;
  /** `expiresAt` in epoch milliseconds. */
  readonly expiresAtMs: number;
}

const isDate = (v: unknown): v is string => typeof v === 'string' && !Number.isNaN(Date.parse(v));

function intentProblem(v: Record<string, unknown>): string | undefined {
  if (!isUuid(v.commandId)) return 'commandId is not a UUID';
  if (typeof v.name !== 'string' || v.name.length === 0) return 'name is not a non-empty string';
  if (!isJsonObject(v.payload)) return 'payload is not a JSON object';
  if (!(Number.isSafeInteger(v.attempt) && (v.attempt as number) >= 1))
    return 'attempt is not a whole number ≥ 1';
  if (!isDate(v.issuedAt)) return 'issuedAt is not a date';
  if (!isDate(v.expiresAt)) return 'expiresAt is not a date';
  return undefined;
}

export function decodeIntent(
  input: PayloadInput,
  options?: DecodeOptions,
): Decoded<ReceivedIntent> {
  const parsed = parseJsonPayload(input, options);
  if (!parsed.ok) return parsed;
  const v = parsed.value;
  if (!isJsonObject(v)) return rejectPayload('bad_shape', 'an intent must be a JSON object');
  const problem = intentProblem(v);
  if (problem) return rejectPayload('bad_shape', problem);
  return accept({
    commandId: v.commandId as string,
    name: v.name as string,
    payload: v.payload as Record<string, unknown>,
    attempt: v.attempt as number,
    issuedAt: v.issuedAt as string,
    expiresAt: v.expiresAt as string,
    expiresAtMs: Date.parse(v.expiresAt as string),
  });
}
