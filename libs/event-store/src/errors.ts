import type { ExpectedRevision, Revision } from './event-store.port.js';

/**
 * The one error every adapter raises when an append's expected revision does not match the
 * stream. The transition shell catches it, re-reads and decides again.
 */
export class StaleRevisionError extends Error {
  override readonly name = 'StaleRevisionError';
  constructor(
    readonly stream: string,
    readonly expected: ExpectedRevision,
    /** The stream's actual last revision, `no_stream` if absent, `unknown` if the store did not say. */
    readonly actual: Revision | 'no_stream' | 'unknown',
  ) {
    super(
      `stale append to ${stream}: expected ${String(expected)}, stream is at ${String(actual)}`,
    );
  }
}

export const isStaleRevisionError = (e: unknown): e is StaleRevisionError =>
  e instanceof StaleRevisionError;

/**
 * An append the store refuses before touching the database (no events, a malformed event id,
 * a stream named twice in one batch...). A programming error: retrying cannot help.
 */
export class InvalidAppendError extends Error {
  override readonly name = 'InvalidAppendError';
}

/**
 * An error that the same request will meet again however often it is retried: the append was
 * malformed, or the database refused the data itself (SQLSTATE class 22, "data exception":
 * an unsupported escape in jsonb, a value out of range). Anything else — a lost connection, a
 * restart, a full pool, a timeout — may pass, and is worth retrying.
 */
export function isPermanentStoreError(error: unknown): boolean {
  if (error instanceof InvalidAppendError) return true;
  const code =
    typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' && code.startsWith('22');
}

/** Socket-level failures: the server is not there (now). */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
/**
 * SQLSTATE classes of a server that cannot serve now: 08 connection exception, 53 insufficient
 * resources (too many connections), 57 operator intervention (shutting down, starting up).
 */
const UNAVAILABLE_SQLSTATE_CLASSES = new Set(['08', '53', '57']);
/** Errors some drivers raise without a code. */
const UNAVAILABLE_MESSAGES = [
  /connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /cannot use a pool after calling end/i,
  /client has encountered a connection error/i,
  /client was closed/i,
  /pglite is closed/i,
];
/** @eventstore/db-client's error types for a server out of reach. */
const UNAVAILABLE_CLIENT_TYPES = new Set(['unavailable', 'deadline-exceeded', 'not-leader']);
/** Errors of Ratchet's own that say "not now" (the broker, a component shutting down). */
const UNAVAILABLE_NAMES = new Set(['BrokerUnavailableError', 'StoreUnavailableError']);

/**
 * Whether an error says that a store or broker cannot serve right now (not reachable, restarting,
 * overloaded, shutting down), so that the same request may succeed later: an HTTP `503` with
 * `Retry-After`, never a `500`. Looks through `cause` and `AggregateError.errors`.
 */
export function isUnavailableError(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > 4) return false;
  const e = error as {
    code?: unknown;
    type?: unknown;
    name?: unknown;
    message?: unknown;
    cause?: unknown;
    errors?: unknown;
  };
  if (typeof e.code === 'string') {
    if (NETWORK_CODES.has(e.code)) return true;
    if (/^[0-9A-Z]{5}$/.test(e.code) && UNAVAILABLE_SQLSTATE_CLASSES.has(e.code.slice(0, 2)))
      return true;
  }
  if (typeof e.type === 'string' && UNAVAILABLE_CLIENT_TYPES.has(e.type)) return true;
  if (typeof e.name === 'string' && UNAVAILABLE_NAMES.has(e.name)) return true;
  if (
    typeof e.message === 'string' &&
    UNAVAILABLE_MESSAGES.some((m) => m.test(e.message as string))
  )
    return true;
  if (Array.isArray(e.errors) && e.errors.some((x) => isUnavailableError(x, depth + 1)))
    return true;
  return isUnavailableError(e.cause, depth + 1);
}
