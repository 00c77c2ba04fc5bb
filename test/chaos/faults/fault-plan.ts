/**
 * The faults of a run, drawn up front from the fault stream: what happens when is a function of
 * the seed and the duration alone, whatever the load does.
 */
import type { Prng } from '../random/prng.js';

export type FaultKind = 'kill' | 'pause' | 'mosquitto-restart' | 'postgres-restart';

export interface Fault {
  readonly atMs: number;
  readonly kind: FaultKind;
  /** For kill and pause: the preferred instance (the next live one if it is not up). */
  readonly instance: number;
  /** How long the instance, broker or database stays down (or paused). */
  readonly downMs: number;
}

export interface FaultPlanOptions {
  readonly durationMs: number;
  readonly instances: number;
  /** A kill -9 every this many ms, give or take. */
  readonly killEveryMs: readonly [number, number];
  /** A broker restart, a database restart and a pause once per cycle of this length. */
  readonly cycleMs: number;
  readonly pause: boolean;
}

/** Nothing starts in the last seconds of the load: every fault is over when the load stops. */
const QUIET_END_MS = 3_000;

export function planFaults(rng: Prng, o: FaultPlanOptions): Fault[] {
  const faults: Fault[] = [];
  const last = o.durationMs - QUIET_END_MS;
  const instance = () => rng.int(0, o.instances - 1);
  for (let t = rng.int(2_000, 5_000); t < last; t += rng.int(...o.killEveryMs)) {
    faults.push({ atMs: t, kind: 'kill', instance: instance(), downMs: rng.int(200, 2_500) });
  }
  const cycle = Math.min(o.cycleMs, o.durationMs);
  for (let start = 0; start < o.durationMs; start += cycle) {
    const at = (from: number, to: number) =>
      start + Math.floor(cycle * (from + rng.next() * (to - from)));
    const broker = {
      atMs: at(0.2, 0.3),
      kind: 'mosquitto-restart' as const,
      instance: 0,
      downMs: rng.int(500, 3_000),
    };
    // Longer than the ack deadline, so the paused instance's in-flight work goes stale.
    const pause = {
      atMs: at(0.4, 0.5),
      kind: 'pause' as const,
      instance: instance(),
      downMs: rng.int(3_000, 7_000),
    };
    const database = {
      atMs: at(0.6, 0.75),
      kind: 'postgres-restart' as const,
      instance: 0,
      downMs: rng.int(500, 4_000),
    };
    for (const f of [broker, ...(o.pause ? [pause] : []), database])
      if (f.atMs + f.downMs < last) faults.push(f);
  }
  return faults.sort((a, b) => a.atMs - b.atMs);
}
