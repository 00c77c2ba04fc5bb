import { rebuildProjection, type RebuildPhase } from '@ratchet/read-models';
import { type CliIo, fmt, seconds } from '../io.js';
import type { CliStorage } from '../open-storage.js';
import { Progress } from '../progress.js';

const PHASES: Readonly<Record<RebuildPhase, string>> = {
  loading: 'reading the log',
  indexing: 'building indexes',
  switching: 'catching up and switching',
  done: 'done',
};

export const rebuild = async (
  storage: CliStorage,
  io: CliIo,
  name: string,
  batchSize?: number,
): Promise<number> => {
  const progress = new Progress(io, `rebuild ${name}`, await storage.estimateEvents());
  const logger = {
    log: (m: string) => io.err(m),
    warn: (m: string) => io.err(`warning: ${m}`),
    error: (m: string) => io.err(`error: ${m}`),
  };
  try {
    const result = await rebuildProjection({
      driver: storage.driver,
      eventStore: storage.store,
      log: storage.log,
      name,
      ...(batchSize ? { batchSize } : {}),
      logger,
      onProgress: (p) => progress.update(p.events, PHASES[p.phase]),
      now: io.now,
    });
    progress.done();
    const total = result.ms.load + result.ms.index + result.ms.switch;
    io.out(
      `rebuilt ${result.name} (version ${result.version}) from ${fmt(result.events)} events into ` +
        `${fmt(result.rows)} rows in ${seconds(total)}: ${fmt((result.events / Math.max(total, 1)) * 1000)} events/s`,
    );
    io.out(
      `  reading and writing ${seconds(result.ms.load)}, indexes ${seconds(result.ms.index)}, ` +
        `catching up ${fmt(result.tailEvents)} events and switching ${seconds(result.ms.switch)} ` +
        `(${result.switchAttempts} attempt${result.switchAttempts > 1 ? 's' : ''}); ` +
        `log read ${result.logPath === 'sql' ? 'from the events table' : 'through the event store'}`,
    );
    io.out(`  checkpoint ${result.position ?? 'none (the log is empty)'}`);
    if (result.droppedLeftovers.length > 0) {
      io.out(`  dropped what an interrupted rebuild left: ${result.droppedLeftovers.join(', ')}`);
    }
    if (result.skippedEvents > 0) {
      io.out(`  skipped ${fmt(result.skippedEvents)} events that do not fold (run verify), e.g.`);
      for (const example of result.skippedExamples) io.out(`    ${example}`);
    }
    return 0;
  } finally {
    progress.done();
  }
};
