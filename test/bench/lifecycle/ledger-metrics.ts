/**
 * A few numbers from the ledger's GET /metrics (Prometheus text): how many commands reached a
 * terminal status (to know when a step has drained, without asking about single commands) and
 * the V8 heap in use.
 */
import { sleep } from './teardown.js';

const TERMINAL = [
  'CommandExecuted',
  'CommandFailed',
  'CommandTimedOut',
  'CommandCancelled',
  'CommandExpired',
];

export interface LedgerCounters {
  readonly terminal: number;
  readonly executed: number;
  readonly heapUsedMiB: number;
  /** Stale appends decided again (revision conflicts). */
  readonly conflicts: number;
}

export async function readCounters(httpUrl: string): Promise<LedgerCounters> {
  const res = await fetch(`${httpUrl}/metrics`);
  const text = await res.text();
  let terminal = 0;
  let executed = 0;
  let heap = Number.NaN;
  let conflicts = 0;
  for (const line of text.split('\n')) {
    const m = /^ratchet_transitions_applied_total\{type="(\w+)"\} (\S+)/.exec(line);
    if (m && TERMINAL.includes(m[1]!)) {
      terminal += Number(m[2]);
      if (m[1] === 'CommandExecuted') executed += Number(m[2]);
    }
    const h = /^nodejs_heap_size_used_bytes (\S+)/.exec(line);
    if (h) heap = Number(h[1]) / 2 ** 20;
    const c = /^ratchet_revision_conflicts_total (\S+)/.exec(line);
    if (c) conflicts = Number(c[1]);
  }
  return { terminal, executed, heapUsedMiB: heap, conflicts };
}

/**
 * Waits until `target` commands have reached a terminal status, or nothing has moved for
 * `quietMs`, or `limitMs` have passed. Returns the last reading.
 */
export async function waitForTerminal(
  httpUrl: string,
  target: number,
  limitMs: number,
  quietMs = 5000,
): Promise<LedgerCounters> {
  const deadline = Date.now() + limitMs;
  let last = await readCounters(httpUrl);
  let movedAt = Date.now();
  while (last.terminal < target && Date.now() < deadline && Date.now() - movedAt < quietMs) {
    await sleep(200);
    const now = await readCounters(httpUrl);
    if (now.terminal !== last.terminal) movedAt = Date.now();
    last = now;
  }
  return last;
}
