/**
 * One rate step: issue at a fixed rate for a while (open loop), measure CPU and memory of
 * every process meanwhile, wait for the commands to finish, and count what it cost.
 */
import type { FleetProcess } from './fleet-process.js';
import { n0, n1 } from './format.js';
import { readCounters, waitForTerminal } from './ledger-metrics.js';
import type { LoadGenerator, WindowReport } from './load.js';
import type { BenchOptions, Mode } from './options.js';
import {
  commandIdFor,
  type QueryRows,
  windowOutcome,
  type WindowOutcome,
  windowPrefix,
} from './outcomes.js';
import {
  allProcesses,
  cpuPercent,
  cpuUsed,
  type CpuGroups,
  type CpuReading,
  otherProcesses,
  readCpu,
  rssMiB,
} from './proc.js';
import type { Ledger } from './services.js';
import { sleep } from './teardown.js';

export interface Context {
  readonly mode: Mode;
  readonly run: string;
  readonly devicePrefix: string;
  readonly o: BenchOptions;
  readonly ledger: Ledger;
  readonly fleet: FleetProcess;
  readonly generator: LoadGenerator;
  readonly groups: CpuGroups;
  /** PostgreSQL only: the server's counters (see `DbCounters`). */
  readonly dbCounters?: () => Promise<DbCounters>;
}

/**
 * Transactions committed in the ledger's database (read-only ones included), and the server's
 * WAL flushes and bytes (server-wide: other databases' writes count too).
 */
export interface DbCounters {
  readonly commits: number;
  readonly walSyncs: number;
  readonly walBytes: number;
}

export interface Step {
  readonly rate: number;
  readonly windowNumber: number;
  readonly window: WindowReport;
  /** % of one core over the issuing period, by process group; `self` is the load generator. */
  readonly cpu: Record<string, number>;
  /** The same period: processes outside the benchmark, % of one core, and the busiest. */
  readonly others: ReturnType<typeof otherProcesses>;
  /**
   * CPU ms per finished command by process group (and `total`), from the step's start to the
   * end of its drain: the work one command costs, whatever the rate.
   */
  readonly cpuMsPerCommand: Record<string, number>;
  /** Per finished command (PostgreSQL): database transactions, WAL flushes, WAL bytes. */
  readonly db: DbCounters;
  /** Revision conflicts (stale appends decided again) per finished command. */
  readonly conflictsPerCommand: number;
  /** When each intent reached its device (command id → wall-clock ms). */
  readonly intents: ReadonlyMap<string, number>;
  readonly rssEnd: number;
  readonly rssMax: number;
  readonly heapMiB: number;
  /** Commands that reached a terminal status (from /metrics) by the end of the drain. */
  readonly finished: number;
  readonly accepted: number;
  readonly keptUp: boolean;
  outcome?: WindowOutcome;
}

const answersText = (w: WindowReport): string =>
  Object.entries(w.answers)
    .filter(([k]) => k !== '201')
    .map(([k, v]) => `${v}×${k}`)
    .join(' ');

export async function runStep(
  ctx: Context,
  rate: number,
  seconds: number,
  windowNumber: number,
): Promise<Step> {
  const before = await readCounters(ctx.ledger.httpUrl);
  const dbBefore = await ctx.dbCounters?.();
  const processesStart = allProcesses();
  const cpuStart = readCpu(ctx.groups);
  let cpuEnd: CpuReading | undefined;
  let processesEnd: ReturnType<typeof allProcesses> | undefined;
  const rss: number[] = [];
  const sampler = setInterval(() => {
    const r = rssMiB(ctx.ledger.pid);
    if (r !== null) rss.push(r);
  }, 1000);
  const started = performance.now();
  let window: WindowReport;
  try {
    [window] = (await ctx.generator.run({
      rate,
      seconds,
      commandId: (seq) => commandIdFor(ctx.run, windowNumber, seq),
      deviceId: (seq) => `${ctx.devicePrefix}-${(seq % ctx.o.devices) + 1}`,
      onWindowSent: () => {
        cpuEnd = readCpu(ctx.groups);
        processesEnd = allProcesses();
      },
    })) as [WindowReport];
  } finally {
    clearInterval(sampler);
  }
  cpuEnd ??= readCpu(ctx.groups);
  processesEnd ??= allProcesses();
  const cpu = cpuPercent(cpuStart, cpuEnd);
  const ours = new Set([process.pid, ...Object.values(ctx.groups).flatMap((pids) => pids())]);
  const others = otherProcesses(
    processesStart,
    processesEnd,
    (cpuEnd.at - cpuStart.at) / 1000,
    ours,
  );
  const accepted = (window.answers['201'] ?? 0) + (window.answers['200'] ?? 0);
  const after = await waitForTerminal(
    ctx.ledger.httpUrl,
    before.terminal + accepted,
    ctx.o.drainSeconds * 1000,
  );
  const finished = after.terminal - before.terminal;
  const elapsed = (performance.now() - started) / 1000;
  const used = cpuUsed(cpuStart, readCpu(ctx.groups));
  const cpuMsPerCommand: Record<string, number> = {};
  for (const [k, v] of Object.entries(used)) cpuMsPerCommand[k] = (1000 * v) / finished;
  cpuMsPerCommand.total = (1000 * Object.values(used).reduce((a, b) => a + b, 0)) / finished;
  const rssEnd = rssMiB(ctx.ledger.pid) ?? Number.NaN;
  await sleep(1100); // PostgreSQL publishes a backend's counters at most once a second
  const dbAfter = await ctx.dbCounters?.();
  const db: DbCounters = {
    commits: ((dbAfter?.commits ?? NaN) - (dbBefore?.commits ?? NaN)) / finished,
    walSyncs: ((dbAfter?.walSyncs ?? NaN) - (dbBefore?.walSyncs ?? NaN)) / finished,
    walBytes: ((dbAfter?.walBytes ?? NaN) - (dbBefore?.walBytes ?? NaN)) / finished,
  };
  const intents = await ctx.fleet.intents(windowPrefix(ctx.run, windowNumber));
  const keptUp =
    accepted === window.count && finished >= accepted && finished / elapsed >= 0.9 * rate;
  const busiest = others.top[0];
  console.log(
    `  ${String(rate).padStart(5)}/s: ${n0(window.count)} issued in ${n1(seconds)} s` +
      `${answersText(window) ? ` (not 201: ${answersText(window)})` : ''}, ` +
      `${n0(finished)} finished ${n1(elapsed - seconds)} s after the last was due; ` +
      `ledger ${n0(cpu.service!)} % CPU, ${n0(rssEnd)} MiB` +
      (keptUp ? '' : '  ← fell behind') +
      (others.total >= 15 && busiest
        ? `\n         other processes used ${n0(others.total)} % of a core meanwhile (busiest: ${n0(busiest.percent)} % ${busiest.name.slice(0, 70)})`
        : ''),
  );
  return {
    rate,
    windowNumber,
    window,
    cpu,
    others,
    cpuMsPerCommand,
    db,
    conflictsPerCommand: (after.conflicts - before.conflicts) / finished,
    intents,
    rssEnd,
    rssMax: Math.max(rssEnd, ...rss),
    heapMiB: after.heapUsedMiB,
    finished,
    accepted,
    keptUp,
  };
}

export async function runSteps(ctx: Context, rates: readonly number[], analyse?: QueryRows) {
  const steps: Step[] = [];
  for (const [i, rate] of rates.entries()) {
    const step = await runStep(ctx, rate, ctx.o.stepSeconds, i + 1);
    if (analyse) step.outcome = await outcomeOf(analyse, ctx.run, step);
    steps.push(step);
    if (!step.keptUp && !ctx.o.noStop && i < rates.length - 1) {
      console.log(
        `  (the ledger fell behind at ${rate}/s: ${rates.slice(i + 1).join(', ')}/s skipped; --no-stop runs them)`,
      );
      break;
    }
    await sleep(1000);
  }
  return steps;
}

export const outcomeOf = (query: QueryRows, run: string, step: Step) =>
  windowOutcome(query, windowPrefix(run, step.windowNumber), step.window, step.intents);
