import type { ReadModelStore } from '@ratchet/read-models';
import type { ReadinessCheck } from './health.controller.js';

/**
 * Down when a projection runner has failed (it retries, but its last attempt threw) or is not
 * running. Lag alone is not an outage: an instance catching up after a restart still serves
 * writes and single-command reads. Measuring it also proves both databases answer.
 */
export const projectionReadiness = (readModels: ReadModelStore): ReadinessCheck => ({
  name: 'projections',
  check: async () => {
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
  },
});
