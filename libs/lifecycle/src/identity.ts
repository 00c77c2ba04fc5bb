/**
 * Deterministic identities. Hashing is pure (same input, same id), so two instances that take
 * the same decision produce the same ids and the store recognises the second as a duplicate.
 */
import { createHash } from 'node:crypto';
import type { CommandEventType } from './command.js';

/** Ratchet's UUIDv5 namespace (itself a fixed random UUID). */
export const RATCHET_NAMESPACE = '6f1d3c52-8a0e-4b8e-9f61-3c1f0c7d2a94';

/** RFC 9562 UUIDv5: SHA-1 of namespace bytes + name, version and variant bits set. */
const namespaceBytes = (namespace: string): Buffer =>
  Buffer.from(namespace.replace(/-/g, ''), 'hex');
/** Every event id is hashed under this one: its bytes once, not per id. */
const RATCHET_NAMESPACE_BYTES = namespaceBytes(RATCHET_NAMESPACE);

export function uuidV5(name: string, namespace: string = RATCHET_NAMESPACE): string {
  const ns = namespace === RATCHET_NAMESPACE ? RATCHET_NAMESPACE_BYTES : namespaceBytes(namespace);
  const hash = createHash('sha1').update(ns).update(name, 'utf8').digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const h = hash.subarray(0, 16).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** The stream of a command. */
export const streamOf = (commandId: string): string => `command-${commandId}`;
export const COMMAND_STREAM_PREFIX = 'command-';
export const commandIdOfStream = (stream: string): string | null =>
  stream.startsWith(COMMAND_STREAM_PREFIX) ? stream.slice(COMMAND_STREAM_PREFIX.length) : null;

/** Each event type occurs at most once in a stream (ranks rise), so this id is unique. */
export const eventIdFor = (commandId: string, type: CommandEventType): string =>
  uuidV5(`${commandId}/${type}`);

/**
 * An event id for streams whose events are told apart by revision (fleets, groups): two
 * instances deciding on the same revision propose the same id, so a re-sent append is known.
 */
export const revisionEventId = (stream: string, revision: bigint): string =>
  uuidV5(`${stream}/${revision}`);

/** Attempt 1 is the root itself; attempt n > 1 is derived from the root and n. */
export const attemptId = (rootCommandId: string, attempt: number): string =>
  attempt === 1 ? rootCommandId : uuidV5(`${rootCommandId.toLowerCase()}/attempt/${attempt}`);

/** JSON with object keys sorted, so equal values have one text whatever their key order. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export const fingerprintOf = (request: unknown): string =>
  createHash('sha256').update(canonicalJson(request)).digest('base64url');
