import type { EventStore, Position, SqlDriver, SqlStatement } from '@ratchet/event-store';
import { COMMAND_STREAM_PREFIX } from '@ratchet/lifecycle';
import type { Projection } from '../projection/projection.js';
import { measureLag, type ProjectionLag } from '../projection/projection-lag.js';
import { findLeftovers, identifier } from './fresh-tables.js';
import { REBUILDABLE_PROJECTIONS } from './rebuildable.js';

/** One projection as `ledger projections status` shows it. */
export interface ProjectionOverview {
  readonly name: string;
  /** The version this code writes; `null` for a projection it does not know (e.g. state_topic). */
  readonly codeVersion: number | null;
  /** The version of the checkpoint in the database; `null`: it never ran. */
  readonly version: number | null;
  readonly position: Position | null;
  readonly updatedAt: Date | null;
  readonly lag: ProjectionLag;
  /** Rows per table, for the projections a rebuild knows. */
  readonly rows: Readonly<Record<string, number>>;
  readonly rebuildable: boolean;
  /** Fresh tables an interrupted rebuild left behind (the next rebuild drops them). */
  readonly leftovers: readonly string[];
}

const CHECKPOINTS: SqlStatement = {
  name: 'ratchet_rm_checkpoints_all',
  text: 'SELECT name, version, position, updated_at FROM projection_checkpoints ORDER BY name',
};

/**
 * Every projection the code knows or the database has a checkpoint for: versions, checkpoint,
 * lag behind the log (counted up to `lagProbeLimit` events), rows, leftovers of rebuilds.
 */
export const describeProjections = async (
  driver: SqlDriver,
  store: EventStore,
  options: { readonly lagProbeLimit?: number; readonly now?: () => number } = {},
): Promise<ProjectionOverview[]> => {
  const rows = await driver.query<{
    name: string;
    version: number;
    position: string | null;
    updated_at: Date;
  }>(CHECKPOINTS, []);
  const known = new Map(REBUILDABLE_PROJECTIONS.map((d) => [d.projection.name, d]));
  const names = [...new Set([...known.keys(), ...rows.map((r) => r.name)])].sort();
  const now = (options.now ?? Date.now)();
  return Promise.all(
    names.map(async (name): Promise<ProjectionOverview> => {
      const definition = known.get(name);
      const row = rows.find((r) => r.name === name);
      // measureLag reads only the name (for the checkpoint) and the stream prefix.
      const projection =
        definition?.projection ?? ({ name, streamPrefix: COMMAND_STREAM_PREFIX } as Projection);
      const tables = definition?.tables ?? [];
      const counts: Record<string, number> = {};
      for (const table of tables) {
        const [count] = await driver.query<{ n: bigint }>(
          {
            name: `ratchet_rm_count_${table}`,
            text: `SELECT count(*) AS n FROM ${identifier(table)}`,
          },
          [],
        );
        counts[table] = Number(count?.n ?? 0);
      }
      return {
        name,
        codeVersion: definition?.projection.version ?? null,
        version: row?.version ?? null,
        position: (row?.position ?? null) as Position | null,
        updatedAt: row?.updated_at ?? null,
        lag: await measureLag(driver, store, projection, now, options.lagProbeLimit ?? 10_000),
        rows: counts,
        rebuildable: definition !== undefined,
        leftovers: (await Promise.all(tables.map((t) => findLeftovers(driver, t)))).flat(),
      };
    }),
  );
};
