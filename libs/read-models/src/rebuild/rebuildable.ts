import type { RebuildDefinition } from './bulk-builder.js';
import { commandStatusRebuild } from './command-status-builder.js';
import { deviceSummaryRebuild } from './device-summary-builder.js';
import { fleetProgressRebuild } from './fleet-progress-builder.js';

/** The projections a rebuild can replay into fresh tables (the state topic publishes, it has no rows to rebuild). */
export const REBUILDABLE_PROJECTIONS: readonly RebuildDefinition[] = [
  commandStatusRebuild,
  deviceSummaryRebuild,
  fleetProgressRebuild,
];

export class UnknownProjectionError extends Error {
  override readonly name = 'UnknownProjectionError';
  constructor(projection: string) {
    super(
      `no projection named ${JSON.stringify(projection)} can be rebuilt; known: ${REBUILDABLE_PROJECTIONS.map(
        (d) => d.projection.name,
      ).join(', ')}`,
    );
  }
}

export const findRebuild = (name: string): RebuildDefinition => {
  const found = REBUILDABLE_PROJECTIONS.find((d) => d.projection.name === name);
  if (!found) throw new UnknownProjectionError(name);
  return found;
};
