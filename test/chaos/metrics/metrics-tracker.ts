/**
 * The instances' counters, kept across kills. A restart resets them, so every incarnation's
 * last scrape is kept (counters only grow within one) and the totals are sums over
 * incarnations. Counts between the last scrape and a kill -9 are missed: the totals are
 * lower bounds.
 */
import type { LedgerInstance } from '../env/ledger-instance.js';
import { parsePrometheusText, sumOf } from './prometheus-text.js';

export interface Counters {
  /** Inputs that changed nothing because the same fact was already recorded. */
  duplicates: number;
  /** Stale appends re-read and decided again. */
  conflicts: number;
  /** Inbound messages whose topic named another device than the command's. */
  deviceMismatch: number;
  /** Events appended by the transition shell. */
  applied: number;
  /** Due commands a sweep left for later (a stream it cannot fold, a failure). */
  sweepSkipped: number;
  /** Device answers recorded by the inbox after its store failed at first. */
  answersRecovered: number;
}

const ZERO: Counters = {
  duplicates: 0,
  conflicts: 0,
  deviceMismatch: 0,
  applied: 0,
  sweepSkipped: 0,
  answersRecovered: 0,
};

export class MetricsTracker {
  private readonly last = new Map<string, Counters>();
  private timer: NodeJS.Timeout | null = null;
  scrapes = 0;
  failedScrapes = 0;

  constructor(private readonly instances: readonly LedgerInstance[]) {}

  start(everyMs = 1_000): void {
    const tick = async () => {
      await Promise.all(this.instances.map((i) => this.scrape(i)));
      if (this.timer) this.timer = setTimeout(() => void tick(), everyMs);
    };
    this.timer = setTimeout(() => void tick(), everyMs);
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Scrapes one instance now (a paused one is skipped: it would only time out). */
  async scrape(instance: LedgerInstance, timeoutMs = 800): Promise<void> {
    if (instance.state !== 'up') return;
    const key = `${instance.instanceId}#${instance.incarnation}`;
    try {
      const res = await fetch(`${instance.url}/metrics`, {
        signal: AbortSignal.timeout(timeoutMs),
      });
      const text = await res.text();
      if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
      const s = parsePrometheusText(text);
      const now: Counters = {
        duplicates: sumOf(s, 'ratchet_transitions_unchanged_total', { reason: 'duplicate' }),
        conflicts: sumOf(s, 'ratchet_revision_conflicts_total'),
        deviceMismatch: sumOf(s, 'ratchet_inbound_rejected_total', { reason: 'device_mismatch' }),
        applied: sumOf(s, 'ratchet_transitions_applied_total'),
        sweepSkipped: sumOf(s, 'ratchet_sweep_skipped_total'),
        answersRecovered: sumOf(s, 'ratchet_inbox_recovered_total'),
      };
      const before = this.last.get(key) ?? ZERO;
      // Max per incarnation: a scrape that raced a slower earlier one never lowers a count.
      this.last.set(key, {
        duplicates: Math.max(before.duplicates, now.duplicates),
        conflicts: Math.max(before.conflicts, now.conflicts),
        deviceMismatch: Math.max(before.deviceMismatch, now.deviceMismatch),
        applied: Math.max(before.applied, now.applied),
        sweepSkipped: Math.max(before.sweepSkipped, now.sweepSkipped),
        answersRecovered: Math.max(before.answersRecovered, now.answersRecovered),
      });
      this.scrapes++;
    } catch {
      this.failedScrapes++;
    }
  }

  totals(): Counters {
    const t = { ...ZERO };
    for (const c of this.last.values())
      for (const k of Object.keys(t) as (keyof Counters)[]) t[k] += c[k];
    return t;
  }

  get incarnations(): number {
    return this.last.size;
  }
}
