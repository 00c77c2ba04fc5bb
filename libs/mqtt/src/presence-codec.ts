/**
 * The presence payload (CONTRACT.md sections 3 and 5): `{ "online": true | false, "epoch": n }`,
 * published by a device retained at QoS 1, as its birth, its will and its clean goodbye.
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

export interface PresenceMessage {
  readonly online: boolean;
  /** The device's session epoch: a whole number ≥ 1 that rises with every connection. */
  readonly epoch: number;
}

/** Throws (TypeError) on an epoch no ledger would accept: a device must not publish one. */
export function encodePresence(m: PresenceMessage): Buffer {
  if (!isValidEpoch(m.epoch))
    throw new TypeError(`invalid presence epoch ${m.epoch}: a whole number from 1 to 2^53 - 1`);
  return Buffer.from(JSON.stringify({ online: m.online, epoch: m.epoch }), 'utf8');
}

/** Extra fields are tolerated (newer firmware); an empty payload is not a presence. */
export function decodePresence(
  input: PayloadInput,
  options?: DecodeOptions,
): Decoded<PresenceMessage> {
  const parsed = parseJsonPayload(input, options);
  if (!parsed.ok) return parsed;
  const v = parsed.value;
  if (!isJsonObject(v)) return rejectPayload('bad_shape', 'a presence must be a JSON object');
  if (typeof v.online !== 'boolean') return rejectPayload('bad_shape', 'online must be a boolean');
  if (!isValidEpoch(v.epoch))
    return rejectPayload('bad_shape', 'epoch must be a whole number from 1 to 2^53 - 1');
  return accept({ online: v.online, epoch: v.epoch });
}
