/**
 * Carries out the fault plan against the running processes. Every fault ends by bringing back
 * what it took down; an instance that cannot start (PostgreSQL is down: the service exits at
 * start) is started again a moment later, until it is up.
 */
import { sleep, until } from '../env/free-port.js';
import { type LedgerInstance, StartFailedError } from '../env/ledger-instance.js';
import type { PrivateMosquitto } from '../env/private-mosquitto.js';
import type { PrivatePostgres } from '../env/private-postgres.js';
import type { MetricsTracker } from '../metrics/metrics-tracker.js';
import type { Fault, FaultKind } from './fault-plan.js';
import { isShuttingDown } from '../env/cleanup.js';

export interface FaultLogEntry {
  readonly atMs: number;
  readonly kind: FaultKind;
  readonly target: string;
  readonly downMs: number;
  readonly note?: string;
}

export class FaultInjector {
  readonly done = new Map<FaultKind, number>();
  readonly skipped = new Map<FaultKind, number>();
  readonly log: FaultLogEntry[] = [];
  startFailures = 0;
  /** From each broker stop until every live instance was ready (re-subscribed) again, + 1 s. */
  readonly brokerGaps: [number, number][] = [];
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly running = new Set<Promise<void>>();
  private startedAt = 0;
  /** Instances a fault is working on; the watchdog leaves them alone. */
  private readonly busy = new Set<LedgerInstance>();
  private watchdog: NodeJS.Timeout | null = null;

  constructor(
    private readonly plan: readonly Fault[],
    private readonly instances: readonly LedgerInstance[],
    private readonly broker: PrivateMosquitto,
    private readonly database: PrivatePostgres,
    private readonly metrics: MetricsTracker,
    private readonly say: (line: string) => void,
  ) {}

  start(): void {
    this.startedAt = Date.now();
    for (const f of this.plan) {
      this.timers.push(setTimeout(() => this.track(this.inject(f)), f.atMs));
    }
    // An instance that died by itself (a crash: recorded by the instance) is started again.
    this.watchdog = setInterval(() => {
      if (isShuttingDown()) return;
      for (const i of this.instances) {
        if (i.state !== 'down' || this.busy.has(i)) continue;
        this.busy.add(i);
        this.track(this.startUntilUp(i).finally(() => this.busy.delete(i)));
      }
    }, 1_000);
  }

  /** No new fault; waits for those under way to restore what they stopped. */
  async stop(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    if (this.watchdog) clearInterval(this.watchdog);
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  /** Brings every instance up (after the run's faults, or after one crashed by itself). */
  async ensureAllUp(): Promise<void> {
    await Promise.all(
      this.instances.map((i) => {
        i.resume();
        return i.state === 'down' ? this.startUntilUp(i) : Promise.resolve();
      }),
    );
  }

  private track(p: Promise<void>): void {
    const t = p.catch((e: unknown) => {
      if (!isShuttingDown()) this.say(`chaos: fault failed: ${String(e)}`);
    });
    this.running.add(t);
    void t.finally(() => this.running.delete(t));
  }

  private count(kind: FaultKind, target: string, downMs: number, note?: string): void {
    this.done.set(kind, (this.done.get(kind) ?? 0) + 1);
    const entry = {
      atMs: Date.now() - this.startedAt,
      kind,
      target,
      downMs,
      ...(note ? { note } : {}),
    };
    this.log.push(entry);
    this.say(`chaos: +${(entry.atMs / 1000).toFixed(1)}s ${kind} ${target} for ${downMs} ms`);
  }

  /**
   * The planned instance if it is up, else the next one that is; none when it would be the last
   * one up (a start-up takes seconds on a loaded machine: the API keeps one instance to answer).
   */
  private target(preferred: number): LedgerInstance | null {
    if (this.instances.filter((i) => i.state === 'up').length < 2) return null;
    for (let k = 0; k < this.instances.length; k++) {
      const i = this.instances[(preferred + k) % this.instances.length]!;
      if (i.state === 'up') return i;
    }
    return null;
  }

  private async inject(f: Fault): Promise<void> {
    if (isShuttingDown()) return;
    switch (f.kind) {
      case 'kill': {
        const i = this.target(f.instance);
        if (!i) return this.skip(f.kind);
        this.busy.add(i);
        try {
          await this.metrics.scrape(i, 500); // its counters die with it
          await i.kill();
          this.count(f.kind, i.instanceId, f.downMs);
          await sleep(f.downMs);
          return await this.startUntilUp(i);
        } finally {
          this.busy.delete(i);
        }
      }
      case 'pause': {
        const i = this.target(f.instance);
        if (!i) return this.skip(f.kind);
        await this.metrics.scrape(i, 500);
        if (i.state !== 'up') return this.skip(f.kind);
        i.pause();
        this.count(f.kind, i.instanceId, f.downMs);
        await sleep(f.downMs);
        i.resume();
        return;
      }
      case 'mosquitto-restart': {
        const from = Date.now();
        await this.broker.stopGracefully();
        this.count(f.kind, 'mosquitto', f.downMs);
        await sleep(f.downMs);
        await this.broker.start();
        // Until the instances have reconnected and re-subscribed, shared-subscription messages
        // are dropped by Mosquitto 2.0: measured, so that the evidence check can tell.
        await until(
          async () =>
            (
              await Promise.all(
                this.instances.map((i) => (i.state === 'up' ? i.ready() : Promise.resolve(true))),
              )
            ).every(Boolean),
          20_000,
          100,
        );
        this.brokerGaps.push([from, Date.now() + 1_000]);
        return;
      }
      case 'postgres-restart':
        await this.database.stopFast();
        this.count(f.kind, 'postgresql', f.downMs);
        await sleep(f.downMs);
        return this.database.start();
    }
  }

  private skip(kind: FaultKind): void {
    this.skipped.set(kind, (this.skipped.get(kind) ?? 0) + 1);
  }

  private async startUntilUp(i: LedgerInstance): Promise<void> {
    for (
      let delay = 500;
      i.state === 'down' && !isShuttingDown();
      delay = Math.min(delay * 2, 4_000)
    ) {
      try {
        await i.start();
        const ms = i.startedInMs[i.startedInMs.length - 1] ?? 0;
        this.say(
          `chaos: ${i.instanceId} up again (incarnation ${i.incarnation}, ready in ${(ms / 1000).toFixed(1)} s)`,
        );
      } catch (e) {
        if (!(e instanceof StartFailedError)) throw e;
        // Known: the service exits at start while PostgreSQL is unreachable. Try again later.
        this.startFailures++;
        this.say(`chaos: ${(e as Error).message}; trying again in ${delay} ms`);
        await sleep(delay);
      }
    }
  }
}
