/**
 * The device side of the intent contract (CONTRACT.md section 3): which device a topic is for,
 * and the intent JSON. `@ratchet/mqtt` only encodes intents (the ledger never reads one), so
 * the decoder lives here. Values, never exceptions: a bad intent is counted, not fatal.
 */
import { isUuid } from '@ratchet/lifecycle';

export interface Intent {
  readonly commandId: string;
  readonly name: string;
  readonly payload: unknown;
  readonly attempt: number;
  readonly issuedAt: string;
  readonly expiresAt: string;
  /** `expiresAt` parsed; NaN-free. */
  readonly expiresAtMs: number;
}

export type DecodedIntent =
  { readonly ok: true; readonly intent: Intent } | { readonly ok: false; readonly reason: string };

/** `devices/{deviceId}/commands/{commandId}` → its two ids, or undefined for any other topic. */
export function parseIntentTopic(
  topic: string,
): { readonly deviceId: string; readonly commandId: string } | undefined {
  const levels = topic.split('/');
  if (levels.length !== 4 || levels[0] !== 'devices' || levels[2] !== 'commands') return undefined;
  return { deviceId: levels[1]!, commandId: levels[3]! };
}

const fail = (reason: string): DecodedIntent => ({ ok: false, reason });

export function decodeIntent(topicCommandId: string, payload: Uint8Array | string): DecodedIntent {
  let v: unknown;
  try {
    v = JSON.parse(typeof payload === 'string' ? payload : Buffer.from(payload).toString('utf8'));
  } catch {
    return fail('payload is not JSON');
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return fail('not a JSON object');
  const o = v as Record<string, unknown>;
  if (!isUuid(o['commandId'])) return fail('commandId is not a UUID');
  // A device acts on the id it will answer under: a mismatch would answer the wrong command.
  if (o['commandId'] !== topicCommandId) return fail('commandId differs from the topic');
  if (typeof o['name'] !== 'string') return fail('name is not a string');
  if (typeof o['attempt'] !== 'number') return fail('attempt is not a number');
  const { issuedAt, expiresAt } = o;
  if (typeof issuedAt !== 'string') return fail('issuedAt is not a string');
  const expiresAtMs = typeof expiresAt === 'string' ? Date.parse(expiresAt) : NaN;
  if (Number.isNaN(expiresAtMs)) return fail('expiresAt is not a date');
  return {
    ok: true,
    intent: {
      commandId: o['commandId'],
      name: o['name'],
      payload: o['payload'],
      attempt: o['attempt'],
      issuedAt,
      expiresAt: expiresAt as string,
      expiresAtMs,
    },
  };
}
