/**
 * After the load and the faults: wait until the ledger has settled — every command terminal,
 * every retry owed created, the read model caught up with the log, and nothing appended for a
 * while (late results, answers delayed by seconds) — or until a bound, after which whatever is
 * still open is reported as stuck by the checks.
 */
import {
  type CommandState,
  decideRetry,
  fold,
  isTerminal,
  nextAttemptId,
  type CommandEvent,
} from '@ratchet/lifecycle';
import { sleep } from '../env/free-port.js';
import type { LogFollower } from './log-reader.js';
import { readCommandStatus } from './read-model-rows.js';

export interface SettleOptions {
  readonly databaseUrl: string;
  /** Nothing appended for this long counts as quiet. */
  readonly quietMs: number;
  readonly boundMs: number;
  readonly say: (line: string) => void;
}

export interface SettleOutcome {
  readonly settled: boolean;
  readonly waitedMs: number;
  readonly open: number;
  readonly readModelBehind: number;
}

const stateOf = (events: { type: string; data: unknown }[]): CommandState | null => {
  try {
    return fold(events as unknown as CommandEvent[]);
  } catch {
    return null; // an illegal stream: the checks report it; it cannot settle further
  }
};

export async function settle(follower: LogFollower, o: SettleOptions): Promise<SettleOutcome> {
  const startedAt = Date.now();
  let lastReport = 0;
  for (;;) {
    await follower.poll().catch(() => 0);
    let open = 0;
    const states = new Map<string, CommandState>();
    for (const [id, events] of follower.streams) {
      const s = stateOf(events);
      if (!s) continue;
      states.set(id, s);
      if (!isTerminal(s.status)) open++;
    }
    for (const s of states.values())
      if (decideRetry(s, new Date(0)) && !states.has(nextAttemptId(s))) open++;
    let readModelBehind = 0;
    try {
      const rows = await readCommandStatus(o.databaseUrl);
      for (const [id, s] of states) if (rows.get(id)?.revision !== s.revision) readModelBehind++;
    } catch {
      readModelBehind = -1;
    }
    const quiet = Date.now() - follower.lastNewEventAt >= o.quietMs;
    const waitedMs = Date.now() - startedAt;
    if (open === 0 && readModelBehind === 0 && quiet)
      return { settled: true, waitedMs, open, readModelBehind };
    if (waitedMs > o.boundMs) return { settled: false, waitedMs, open, readModelBehind };
    if (Date.now() - lastReport > 5_000) {
      lastReport = Date.now();
      o.say(
        `chaos: settling: ${open} open, read model behind on ${readModelBehind}, ${follower.events} events`,
      );
    }
    await sleep(1_000);
  }
}
