/**
 * A fleet command's request (CONTRACT.md section 6) as the client sends it and as it is
 * recorded: with every default applied, so that a re-issue that spells out a default is the
 * same request (section 2's rule for commands applies to fleets too).
 */
import type { RetryPolicy, RetryableStatus } from '../command.js';
import { fingerprintOf } from '../identity.js';

/** A command's `delivery` (CONTRACT.md section 2); kept local: naming it is the command lifecycle's business. */
type Delivery = 'when_online' | 'immediate';

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

/** `defaults`: the ledger's configured command defaults (its `CommandDefaults`). */
export function withFleetDefaults(
  body: FleetCommandBody,
  defaults: Pick<FleetRequest, 'ackTimeoutMs' | 'timeoutMs' | 'expiresInMs'>,
): FleetRequest {
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

export const MAX_FLEET_DEVICE_IDS = 10_000;

/**
 * What the rollout relies on and a DTO cannot see alone: `[]` when the request is sound. The
 * HTTP layer answers 400 with these (413 for too many devices, checked by the caller first).
 */
export function fleetRequestProblems(request: FleetRequest): string[] {
  const problems: string[] = [];
  const t = request.target;
  if ('deviceIds' in t) {
    if (t.deviceIds.length === 0) problems.push('target.deviceIds must name at least one device');
    if (t.deviceIds.length > MAX_FLEET_DEVICE_IDS) {
      problems.push(
        `target.deviceIds holds ${t.deviceIds.length} devices; at most ${MAX_FLEET_DEVICE_IDS}`,
      );
    }
    // Each target gets one child whose id derives from the device: a repeat would be one child twice.
    const seen = new Set<string>();
    const repeated = t.deviceIds.filter((id) => seen.size === seen.add(id).size);
    if (repeated.length > 0) {
      problems.push(`target.deviceIds repeats ${[...new Set(repeated)].slice(0, 5).join(', ')}`);
    }
  }
  const positive = (v: number | null, name: string) => {
    if (v !== null && !(Number.isInteger(v) && v >= 1))
      problems.push(`${name} must be an integer ≥ 1`);
  };
  positive(request.rollout.perMinute, 'rollout.perMinute');
  positive(request.rollout.maxInFlight, 'rollout.maxInFlight');
  const a = request.abort;
  if (a) {
    if (!(Number.isInteger(a.afterCompleted) && a.afterCompleted >= 1)) {
      problems.push('abort.afterCompleted must be an integer ≥ 1');
    }
    if (!(a.maxFailureRatio >= 0 && a.maxFailureRatio <= 1)) {
      problems.push('abort.maxFailureRatio must be between 0 and 1');
    }
  }
  return problems;
}
