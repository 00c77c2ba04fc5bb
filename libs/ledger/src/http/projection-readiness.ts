import type { ReadModelStore } from '@ratchet/read-models';

/** How far each projection is behind the log, as readiness reports it. */
export type ProjectionLagReport = Record<string, { events: number; capped: boolean; ms: number }>;

/**
 * Down (throws, naming each projection, its error and its lag) when a projection runner has
 * failed (it retries, but its last attempt threw) or is not running. Lag alone is not an
 * outage: an instance catching up after a restart still serves writes and single-command reads,
 * so there is no lag threshold; the lag is reported. Measuring it also proves both databases
 * answer.
 */
export async function checkProjections(
  readModels: ReadModelStore,
): Promise<{ lag: ProjectionLagReport }> {
  const lag = new Map((await readModels.lag()).map((l) => [l.name, l]));
  const down = readModels
    .status()
    .filter((s) => s.failure !== null || s.state === 'stopped' || s.state === 'idle')
    .map((s) => {
      const l = lag.get(s.name);
      const behind = l ? ` (${l.capped ? '>=' : ''}${l.events} events, ${l.ms} ms behind)` : '';
      return `${s.name} ${s.failure ? `failed: ${s.failure}` : s.state}${behind}`;
    });
  if (down.length > 0) throw new Error(down.join('; '));
  return {
    lag: Object.fromEntries(
      [...lag.values()].map((l) => [l.name, { events: l.events, capped: l.capped, ms: l.ms }]),
    ),
  };
}
