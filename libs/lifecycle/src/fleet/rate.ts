/**
 * `rollout.perMinute` as a generic cell rate algorithm (GCRA) over the fleet stream's progress
 * marks: the state is a theoretical arrival time (TAT) derived only from the marks' `at` and
 * counts, so every instance that reads the same revision computes the same allowance for the
 * same `now`, and of two appends decided on that revision only one commits.
 *
 * - At most {@link burstOf} children at once (about a second's worth, at least one): a
 *   rollout is spread over the minute, never a minute's worth in one go.
 * - Strict per minute: the interval is 60 s / {@link effectivePerMinute} (perMinute − burst + 1),
 *   so that any window of 60 s, wherever it starts, holds at most `perMinute` children, bursts
 *   included. In general n children created within a span of S ms satisfy
 *   n ≤ burst + S · effectivePerMinute / 60,000. The long-run rate is `effectivePerMinute`
 *   (≥ 98 % of perMinute).
 *
 * Integer arithmetic only: TAT = anchorMs + used · 60,000 / R is compared as
 * (t − anchorMs) · R against used · 60,000, so no rounding can differ between instances.
 */
const MINUTE_MS = 60_000;

export interface RateState {
  /** When the current run of rate-limited marks began (epoch ms). */
  readonly anchorMs: number;
  /** Slots used since the anchor: TAT = anchorMs + used · 60,000 / R. */
  readonly used: number;
}

export const burstOf = (perMinute: number): number => Math.max(1, Math.ceil(perMinute / 60));
export const effectivePerMinute = (perMinute: number): number => perMinute - burstOf(perMinute) + 1;

/** How far `nowMs` is past the TAT, in units of 1/R ms (negative: before it). */
const lead = (perMinute: number, rate: RateState, nowMs: number): number =>
  (nowMs - rate.anchorMs) * effectivePerMinute(perMinute) - rate.used * MINUTE_MS;

/** How many children may be created at `nowMs` (0 to burst). */
export function rateAllowance(perMinute: number, rate: RateState | null, nowMs: number): number {
  const burst = burstOf(perMinute);
  if (rate === null) return burst;
  const slack = lead(perMinute, rate, nowMs) + (burst - 1) * MINUTE_MS;
  return Math.min(burst, Math.max(0, Math.floor(slack / MINUTE_MS) + 1));
}

/** The first moment (epoch ms, ≥ nowMs) at which at least one child may be created. */
export function nextRateSlot(perMinute: number, rate: RateState | null, nowMs: number): number {
  if (rateAllowance(perMinute, rate, nowMs) > 0 || rate === null) return nowMs;
  const r = effectivePerMinute(perMinute);
  const due = rate.anchorMs + Math.ceil(((rate.used - burstOf(perMinute) + 1) * MINUTE_MS) / r);
  return Math.max(nowMs, due);
}

/** The rate state after `count` children were created at `atMs`. */
export function afterCreated(
  perMinute: number,
  rate: RateState | null,
  atMs: number,
  count: number,
): RateState {
  // Behind schedule (TAT passed, or no mark yet): the run starts again at this mark.
  if (rate === null || lead(perMinute, rate, atMs) >= 0) return { anchorMs: atMs, used: count };
  return { anchorMs: rate.anchorMs, used: rate.used + count };
}
