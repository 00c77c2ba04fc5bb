import { describeProjections, toJsonLine } from '@ratchet/read-models';
import { type CliIo, fmt, seconds } from '../io.js';
import type { CliStorage } from '../open-storage.js';

export const projectionsStatus = async (
  storage: CliStorage,
  io: CliIo,
  json: boolean,
): Promise<number> => {
  const projections = await describeProjections(storage.driver, storage.store);
  if (json) {
    io.out(toJsonLine(projections));
    return 0;
  }
  io.out(`store: ${storage.description}`);
  for (const p of projections) {
    const version =
      p.version === null
        ? 'never ran'
        : `version ${p.version}${p.codeVersion !== null && p.codeVersion !== p.version ? ` (this code: ${p.codeVersion})` : ''}`;
    io.out(`\n${p.name}: ${version}${p.rebuildable ? '' : ' (not rebuildable here)'}`);
    io.out(
      `  checkpoint ${p.position ?? 'none'}${p.updatedAt ? `, moved ${p.updatedAt.toISOString()}` : ''}`,
    );
    const behind =
      p.lag.events === 0
        ? 'caught up'
        : `${fmt(p.lag.events)}${p.lag.capped ? '+' : ''} events behind, oldest ${seconds(p.lag.ms)} old`;
    io.out(`  ${behind}`);
    const rows = Object.entries(p.rows).map(([table, n]) => `${table} ${fmt(n)}`);
    if (rows.length > 0) io.out(`  rows: ${rows.join(', ')}`);
    if (p.leftovers.length > 0) {
      io.out(
        `  left by an interrupted rebuild: ${p.leftovers.join(', ')} (the next rebuild drops them)`,
      );
    }
  }
  return 0;
};
