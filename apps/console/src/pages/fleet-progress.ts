import { type CommandStatus, type FleetCommand, TERMINAL } from '../api/types';

/** Children that ended, of all targets: what the progress bar fills. */
export function fleetProgress(f: FleetCommand): { done: number; total: number; percent: number } {
  const done = TERMINAL.reduce((a, s) => a + (f.counts[s as CommandStatus] ?? 0), 0);
  const total = Math.max(f.targets, 0);
  return { done, total, percent: total === 0 ? 0 : Math.floor((100 * done) / total) };
}
