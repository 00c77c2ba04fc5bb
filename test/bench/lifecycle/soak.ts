/** The soak: memory and latency over a long run at one rate. */
import { n0, n1, n2, table } from './format.js';
import { readCounters, waitForTerminal } from './ledger-metrics.js';
import type { WindowReport } from './load.js';
import { commandIdFor, type QueryRows, windowOutcome, windowPrefix } from './outcomes.js';
import { cpuPercent, readCpu, rssMiB } from './proc.js';
import { slope } from './stats.js';
import type { SoakFigures } from './goals.js';
import type { Context } from './step.js';

/** Soak windows are numbered from here in the command ids (steps from 1). */
const SOAK_WINDOW_BASE = 0x100;

/**
 * One rate held for `--soak-minutes`, in one-minute windows: a line a minute while it runs,
 * then latency per minute from the events table and the trend of the ledger's memory.
 * Returns the verdict line and the figures issue 16's table judges.
 */
export async function soak(
  ctx: Context,
  query: QueryRows,
): Promise<{ verdict: string; figures: SoakFigures }> {
  const { soakRate: rate, soakMinutes: minutes } = ctx.o;
  console.log(`  soak: ${rate}/s for ${minutes} min, one line a minute`);
  const memory: { x: number; y: number }[] = [];
  // The heap, every 5 s as well: one sample a minute lands anywhere on the collector's sawtooth
  // (seen: 70, 100, 173, 70 MiB in four minutes with no leak), so the trend is fitted to each
  // minute's lowest sample, what the garbage collector leaves: a leak raises that floor.
  const heapSamples: { x: number; y: number }[] = [];
  const perWindow: { cpu: Record<string, number>; rss: number; heap: number }[] = [];
  const t0 = performance.now();
  const sampler = setInterval(() => {
    const r = rssMiB(ctx.ledger.pid);
    const x = (performance.now() - t0) / 60_000;
    if (r !== null) memory.push({ x, y: r });
    void readCounters(ctx.ledger.httpUrl).then(
      (c) => heapSamples.push({ x, y: c.heapUsedMiB }),
      () => undefined,
    );
  }, 5000);
  const before = await readCounters(ctx.ledger.httpUrl);
  let cpuMark = readCpu(ctx.groups);
  let windows: WindowReport[];
  try {
    windows = await ctx.generator.run({
      rate,
      seconds: minutes * 60,
      windowSeconds: 60,
      commandId: (seq, w) => commandIdFor(ctx.run, SOAK_WINDOW_BASE + w, seq),
      deviceId: (seq) => `${ctx.devicePrefix}-${(seq % ctx.o.devices) + 1}`,
      onWindowSent: (w) => {
        // Stages are not analysed in a soak: let the fleet forget the intents it timed.
        if (w >= 2) void ctx.fleet.intents(windowPrefix(ctx.run, SOAK_WINDOW_BASE + w - 2));
        const now = readCpu(ctx.groups);
        const cpu = cpuPercent(cpuMark, now);
        cpuMark = now;
        const rss = rssMiB(ctx.ledger.pid) ?? Number.NaN;
        const entry = { cpu, rss, heap: Number.NaN };
        perWindow[w] = entry;
        void readCounters(ctx.ledger.httpUrl).then(
          (c) => {
            entry.heap = c.heapUsedMiB;
            console.log(
              `  minute ${String(w + 1).padStart(3)}: ledger ${n0(cpu.service!)} % CPU, RSS ${n1(rss)} MiB, heap ${n1(c.heapUsedMiB)} MiB, ${n0(c.executed)} executed in all`,
            );
          },
          () => undefined,
        );
      },
    });
  } finally {
    clearInterval(sampler);
  }
  const total = windows.reduce((a, w) => a + w.count, 0);
  await waitForTerminal(ctx.ledger.httpUrl, before.terminal + total, ctx.o.drainSeconds * 1000);
  const rows: string[][] = [];
  let worstP99 = 0;
  let executed = 0;
  const p99s: number[] = [];
  for (const w of windows) {
    const out = await windowOutcome(query, windowPrefix(ctx.run, SOAK_WINDOW_BASE + w.index), w);
    if (Number.isFinite(out.latency.p99)) worstP99 = Math.max(worstP99, out.latency.p99);
    executed += out.executed;
    p99s.push(out.latency.p99);
    const m = perWindow[w.index];
    rows.push([
      String(w.index + 1),
      n0(out.executed),
      n0(out.executedPerSecond),
      n1(out.latency.p50),
      n1(out.latency.p95),
      n1(out.latency.p99),
      n0(w.count - out.executed),
      n0(m?.cpu.service ?? Number.NaN),
      n1(m?.rss ?? Number.NaN),
      n1(m?.heap ?? Number.NaN),
    ]);
  }
  console.log(
    `\n  Soak at ${rate}/s (latency: due time of the POST → CommandExecuted recorded)\n` +
      table(
        [
          'minute',
          'executed',
          'done/s',
          'p50 ms',
          'p95 ms',
          'p99 ms',
          'not executed',
          'ledger CPU %',
          'RSS MiB',
          'heap MiB',
        ],
        rows,
      ),
  );
  // Flat: after the first minute (warm-up, pools, JIT), resident memory grows < 1 MiB a minute.
  const settled = memory.filter((p) => p.x >= 1);
  const rssSlope = slope(minuteFloors(settled));
  const heapSlope = slope(minuteFloors(heapSamples.filter((p) => p.x >= 1)));
  const rawRssSlope = slope(settled);
  const first = settled[0]?.y ?? Number.NaN;
  const last = settled[settled.length - 1]?.y ?? Number.NaN;
  const flat = Number.isFinite(rssSlope) && rssSlope < 1;
  const keptUp = executed === total && worstP99 < 2000;
  const verdict =
    `memory over ${minutes} min at ${rate}/s: RSS ${n1(first)} → ${n1(last)} MiB after minute 1 ` +
    `(fit of each minute's lowest sample ${n2(rssSlope)} MiB/min, of every sample ${n2(rawRssSlope)}; ` +
    `heap, each minute's lowest: ${n2(heapSlope)} MiB/min): ${flat ? 'flat' : 'GROWING'} ` +
    `(criterion: RSS fit < 1 MiB/min); ${n0(executed)} of ${n0(total)} commands executed, ` +
    `worst minute's p99 ${n1(worstP99)} ms` +
    (keptUp
      ? ''
      : ' — the ledger did not keep up, and a growing backlog grows memory too: try a lower --soak-rate');
  console.log(`\n  ${verdict}`);
  return {
    verdict,
    figures: {
      minutes,
      rssSlope,
      heapSlope,
      firstMinuteP99: p99s[0] ?? Number.NaN,
      lastMinuteP99: p99s[p99s.length - 1] ?? Number.NaN,
    },
  };
}

/** Each minute's lowest sample, at that minute: the floor the garbage collector leaves. */
function minuteFloors(points: readonly { x: number; y: number }[]): { x: number; y: number }[] {
  const floors = new Map<number, { x: number; y: number }>();
  for (const p of points) {
    const minute = Math.floor(p.x);
    const f = floors.get(minute);
    if (!f || p.y < f.y) floors.set(minute, p);
  }
  return [...floors.values()].sort((a, b) => a.x - b.x);
}
