/**
 * Idempotent re-issue compares requests after defaults are applied (CONTRACT.md section 2): a
 * body that spells out a default value is the same body as one that leaves it out.
 */
import { fingerprintOf } from './identity.js';

export interface IssueDefaults {
  readonly ackTimeoutMs: number;
  readonly timeoutMs: number;
  readonly expiresInMs: number;
}

/** The request with every default in place; `retry.on` as a set (sorted, once each). */
export function withIssueDefaults(
  body: Readonly<Record<string, unknown>>,
  defaults: IssueDefaults,
): Record<string, unknown> {
  const retry = (body['retry'] ?? {}) as { maxAttempts?: number; on?: readonly string[] };
  // `delivery: when_online` and `queue.supersede: false` are defaults too; they are left out
  // rather than filled in, so that a body without them keeps the fingerprint it had before.
  const { delivery, queue, ...rest } = body as {
    delivery?: unknown;
    queue?: { key?: unknown; supersede?: unknown };
  };
  return {
    ...rest,
    ...(delivery === undefined || delivery === 'when_online' ? {} : { delivery }),
    ...(queue === undefined || queue === null
      ? {}
      : {
          queue: {
            key: queue.key,
            ...(queue.supersede === undefined || queue.supersede === false
              ? {}
              : { supersede: queue.supersede }),
          },
        }),
    payload: body['payload'] ?? {},
    ackTimeoutMs: body['ackTimeoutMs'] ?? defaults.ackTimeoutMs,
    timeoutMs: body['timeoutMs'] ?? defaults.timeoutMs,
    expiresInMs: body['expiresInMs'] ?? defaults.expiresInMs,
    retry: {
      ...retry,
      maxAttempts: retry.maxAttempts ?? 1,
      on: [...new Set(retry.on ?? [])].sort(),
    },
  };
}

/**
 * The fingerprint stored with `CommandRequested`, and the ones an earlier version stored for
 * the same request (the body as sent), which a re-issue also matches.
 */
export function issueFingerprints(
  body: Readonly<Record<string, unknown>>,
  defaults: IssueDefaults,
): { readonly fingerprint: string; readonly equivalent: readonly string[] } {
  return {
    fingerprint: fingerprintOf(withIssueDefaults(body, defaults)),
    equivalent: [fingerprintOf(body)],
  };
}
