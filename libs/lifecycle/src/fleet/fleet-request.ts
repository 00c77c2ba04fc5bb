/**
 * A fleet command's request (CONTRACT.md section 6) as the client sends it and as it is
 * recorded: with every default applied, so that a re-issue that spells out a default is the
 * same request (section 2's rule for commands applies to fleets too).
 */
import type { RetryPolicy, RetryableStatus } from '../command.js';
import { fingerprintOf } from '../identity.js';

export type Delivery = 'when_online' | 'immediate';

export type FleetTarget =
  | { readonly deviceIds: readonly string[] }
  | { readonly group: string; readonly continuous: boolean };

export interface RolloutPolicy {
  /** Children created per minute, spread evenly; `null`: no rate limit. */
  readonly perMinute: number | null;
  /** Children open (not terminal after their retries) at once; `null`: no cap. */
  readonly maxInFlight: number | null;
}

export interface AbortPolicy {
  readonly afterCompleted: number;
  readonly maxFailureRatio: number;
}

/** The request after defaults: what FleetCommandRequested records and re-issue compares. */
export interface FleetRequest {
  readonly target: FleetTarget;
  readonly name: string;
  readonly payload: Readonly<Record<string, unknown>>;
  readonly ackTimeoutMs: number;
  readonly timeoutMs: number;
  readonly expiresInMs: number;
  readonly retry: RetryPolicy;
  readonly delivery: Delivery;
  readonly queue: { readonly key: string; readonly supersede: boolean } | null;
  readonly rollout: RolloutPolicy;
  readonly abort: AbortPolicy | null;
}

/** The body of `POST /fleet-commands`, validated (the HTTP layer's job) but without defaults. */
export interface FleetCommandBody {
  readonly fleetCommandId?: string;
  readonly target:
    | { readonly deviceIds: readonly string[] }
    | { readonly group: string; readonly continuous?: boolean };
  readonly name: string;
  readonly payload?: Readonly<Record<string, unknown>>;
  readonly ackTimeoutMs?: number;
  readonly timeoutMs?: number;
  readonly expiresInMs?: number;
  readonly retry?: { readonly maxAttempts?: number; readonly on?: readonly RetryableStatus[] };
  readonly delivery?: Delivery;
  readonly queue?: { readonly key: string; readonly supersede?: boolean };
  readonly rollout?: { readonly perMinute?: number; readonly maxInFlight?: number };
  readonly abort?: AbortPolicy;
}

/** The configured command defaults (the ledger's configuration, passed in). */
export interface CommandDefaults {
  readonly ackTimeoutMs: number;
  readonly timeoutMs: number;
  readonly expiresInMs: number;
}

export function withFleetDefaults(body: FleetCommandBody, defaults: CommandDefaults): FleetRequest {
  const t = body.target;
  return {
    target:
      'deviceIds' in t
        ? { deviceIds: [...t.deviceIds] }
        : { group: t.group, continuous: t.continuous ?? false },
    name: body.name,
    payload: body.payload ?? {},
    ackTimeoutMs: body.ackTimeoutMs ?? defaults.ackTimeoutMs,
    timeoutMs: body.timeoutMs ?? defaults.timeoutMs,
    expiresInMs: body.expiresInMs ?? defaults.expiresInMs,
    // `on` is a set: its order and repeats do not make another request.
    retry: {
      maxAttempts: body.retry?.maxAttempts ?? 1,
      on: [...new Set(body.retry?.on ?? [])].sort(),
    },
    delivery: body.delivery ?? 'when_online',
    queue: body.queue ? { key: body.queue.key, supersede: body.queue.supersede ?? false } : null,
    rollout: {
      perMinute: body.rollout?.perMinute ?? null,
      maxInFlight: body.rollout?.maxInFlight ?? null,
    },
    abort: body.abort
      ? { afterCompleted: body.abort.afterCompleted, maxFailureRatio: body.abort.maxFailureRatio }
      : null,
  };
}

/** Equal for equal requests after defaults, whatever the key order. */
export const fleetFingerprint = (request: FleetRequest): string => fingerprintOf(request);

export const isContinuous = (target: FleetTarget): boolean =>
  'group' in target && target.continuous;
