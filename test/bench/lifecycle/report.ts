/** The tables printed at the end, and the lines a README can quote. */
import os from 'node:os';
import { n0, n1, n2, table } from './format.js';
import type { BenchOptions, Mode } from './options.js';
import { cpuPercent, readCpu } from './proc.js';
import type { Step } from './step.js';
import { sleep } from './teardown.js';

export interface ModeResult {
  readonly mode: Mode;
  readonly title: string;
  readonly raw: { readonly perSecond: number; readonly what: string } | null;
  readonly steps: Step[];
  /** PostgreSQL: rows written and index scans per command, by table, over the whole run. */
  tables?: string;
}

export function printMode(r: ModeResult): void {
  const pg = r.mode === 'postgres';
  const tables = r.tables
    ? `\n\n  Database work per command over the whole run (warm-up and steps), by table\n${r.tables}`
    : '';
  console.log(`\n${r.title}`);
  if (r.raw) console.log(`  raw limit: ${n0(r.raw.perSecond)} ${r.raw.what}`);
  console.log(
    '\n' +
      table(
        [
          'rate/s',
          'done/s',
          'transitions/s',
          '÷ raw',
          'p50 ms',
          'p95 ms',
          'p99 ms',
          'max ms',
          'POST p99 ms',
          'not done',
          '',
        ],
        r.steps.map((s) => {
          const o = s.outcome;
          const other = o ? Object.values(o.otherTerminal).reduce((a, b) => a + b, 0) : 0;
          return [
            n0(s.rate),
            o ? n0(o.executedPerSecond) : '—',
            o ? n0(o.transitionsPerSecond) : '—',
            o && r.raw ? n2(o.transitionsPerSecond / r.raw.perSecond) : '—',
            o ? n1(o.latency.p50) : '—',
            o ? n1(o.latency.p95) : '—',
            o ? n1(o.latency.p99) : '—',
            o ? n0(o.latency.max) : '—',
            n1(s.window.post.p99),
            o ? n0(o.unfinished + other) : '—',
            s.keptUp ? '' : 'fell behind',
          ];
        }),
      ),
  );
  const pair = (x: { p50: number; p99: number }): string => `${n1(x.p50)} / ${n1(x.p99)}`;
  console.log(
    '\n  Where the time goes, p50 / p99 ms: due → CommandRequested recorded (HTTP in); → intent at the\n' +
      '  device (dispatch, broker); → CommandAcknowledged recorded (broker, inbox queue, append); →\n' +
      '  CommandExecuted recorded (the result left the device with the ack)\n' +
      table(
        ['rate/s', 'issue', 'dispatch', 'ack in', 'result in', 'Sent after ack'],
        r.steps.map((s) => {
          const st = s.outcome?.stages;
          return [
            n0(s.rate),
            st ? pair(st.issue) : '—',
            st ? pair(st.dispatch) : '—',
            st ? pair(st.ack) : '—',
            st ? pair(st.result) : '—',
            s.outcome ? `${n0((100 * s.outcome.sentAfterAck) / s.outcome.issued)} %` : '—',
          ];
        }),
      ),
  );
  const cores = os.availableParallelism();
  console.log(
    `\n  What one completed command costs, from the step's start until it drained: CPU ms by process,\n` +
      `  and the rate at which that work alone would keep all ${cores} cores busy\n` +
      table(
        [
          'rate/s',
          'ledger',
          ...(pg ? ['postgres', 'mosquitto'] : []),
          'fleet',
          'generator',
          'all',
          `${cores} cores at /s`,
          ...(pg ? ['DB transactions', 'WAL flushes', 'WAL KiB'] : []),
          'conflicts',
        ],
        r.steps.map((s) => {
          const c = s.cpuMsPerCommand;
          return [
            n0(s.rate),
            n2(c.service!),
            ...(pg ? [n2(c.postgres!), n2(c.broker!)] : []),
            n2(c.fleet!),
            n2(c.self!),
            n2(c.total!),
            n0((cores * 1000) / c.total!),
            ...(pg ? [n1(s.db.commits), n1(s.db.walSyncs), n1(s.db.walBytes / 1024)] : []),
            n2(s.conflictsPerCommand),
          ];
        }),
      ),
  );
  console.log(
    '\n  CPU in % of one core while issuing (200 % = both cores of 2), memory at the end of the step\n' +
      table(
        [
          'rate/s',
          'ledger',
          ...(pg ? ['postgres', 'mosquitto'] : []),
          'fleet',
          'generator',
          'others',
          'machine busy',
          'ledger RSS MiB',
          'heap MiB',
          'gen. lag p99 ms',
        ],
        r.steps.map((s) => [
          n0(s.rate),
          n0(s.cpu.service!),
          ...(pg ? [n0(s.cpu.postgres!), n0(s.cpu.broker!)] : []),
          n0(s.cpu.fleet!),
          n0(s.cpu.self!),
          n0(s.others.total),
          `${n0(s.cpu.machine!)} %`,
          n1(s.rssEnd),
          n1(s.heapMiB),
          n1(s.window.lag.p99),
        ]),
      ) +
      tables,
  );
}

/** How busy the machine is before we start: other work makes every figure worse. */
export async function idleCheck(): Promise<string> {
  const a = readCpu({});
  await sleep(2000);
  const busy = cpuPercent(a, readCpu({})).machine!;
  return (
    `machine busy before start: ${n0(busy)} % of all cores` +
    (busy > 10 ? '  ← other processes are running: figures will be lower and noisier' : '')
  );
}

export function machine(): string {
  const cpus = os.cpus();
  return [
    `machine: ${os.availableParallelism()} cores (${cpus[0]?.model.trim() ?? 'unknown CPU'}), ` +
      `${n1(os.totalmem() / 2 ** 30)} GiB memory, Node ${process.version}, ${os.type()} ${os.release()}`,
    `load average at start: ${os.loadavg().map(n2).join(' ')}`,
  ].join('\n');
}

/** The lines a README can quote: per mode the best rate kept up with, then the goals. */
export function figures(
  results: readonly ModeResult[],
  soakVerdict: string | null,
  o: BenchOptions,
): string[] {
  const lines: string[] = [];
  const cores = os.availableParallelism();
  for (const r of results) {
    const done = r.steps.filter((s) => s.outcome);
    if (done.length === 0) continue;
    const kept = done.filter((s) => s.keptUp && s.outcome!.unfinished === 0);
    const best = kept.reduce<Step | undefined>(
      (b, s) => (!b || s.outcome!.executedPerSecond > b.outcome!.executedPerSecond ? s : b),
      undefined,
    );
    const peak = done.reduce((b, s) =>
      s.outcome!.executedPerSecond > b.outcome!.executedPerSecond ? s : b,
    );
    const name = r.mode === 'postgres' ? 'PostgreSQL + Mosquitto' : 'Embedded (PGlite + Aedes)';
    if (best) {
      const ob = best.outcome!;
      const ratio = r.raw ? n2(ob.transitionsPerSecond / r.raw.perSecond) : '—';
      lines.push(
        `${name}: kept up with ${n0(best.rate)} commands/s: ${n0(ob.executedPerSecond)} completed/s, ` +
          `${n0(ob.transitionsPerSecond)} transitions/s = ${ratio} × the raw limit (${r.raw ? n0(r.raw.perSecond) : '—'} ${r.raw?.what ?? ''}); ` +
          `issue→executed p50 ${n1(ob.latency.p50)} ms, p95 ${n1(ob.latency.p95)} ms, p99 ${n1(ob.latency.p99)} ms; ` +
          `ledger ${n0(best.cpu.service!)} % of a core, ${n0(best.rssEnd)} MiB RSS`,
      );
    } else lines.push(`${name}: did not keep up with any rate tried`);
    if (peak !== best)
      lines.push(
        `  under overload: ${n0(peak.outcome!.executedPerSecond)} completed/s while ${n0(peak.rate)}/s were issued (p99 ${n0(peak.outcome!.latency.p99)} ms)`,
      );
    const c = (best ?? peak).cpuMsPerCommand;
    lines.push(
      `  one command costs ${n1(c.total!)} ms of CPU in all (ledger ${n1(c.service!)} ms` +
        (r.mode === 'postgres' ? `, PostgreSQL ${n1(c.postgres!)} ms` : '') +
        `): ${cores} cores are busy at ~${n0((cores * 1000) / c.total!)} commands/s`,
    );
  }
  const pg = results.find((r) => r.mode === 'postgres');
  if (pg && pg.steps.length > 0) {
    const s = pg.steps.filter((x) => x.outcome);
    const kept = s.filter((x) => x.keptUp && x.outcome!.unfinished === 0);
    const max = Math.max(0, ...kept.map((x) => x.outcome!.executedPerSecond));
    lines.push(
      `goal ≥ 1,000 completed/s with PostgreSQL: ${max >= 1000 ? 'met' : 'NOT met'} (best sustained ${n0(max)}/s)`,
    );
    const half = s.find((x) => x.rate === 500);
    lines.push(
      half
        ? `goal p99 ≤ 25 ms at 500/s: ${half.keptUp && half.outcome!.latency.p99 <= 25 ? 'met' : 'NOT met'} (${n1(half.outcome!.latency.p99)} ms)`
        : `goal p99 ≤ 25 ms at 500/s: NOT met (500/s not reached)`,
    );
  }
  if (soakVerdict) lines.push(`goal ${soakVerdict}`);
  else if (o.soakMinutes === 0)
    lines.push('memory over a long run: npm run bench -- --soak-minutes 10');
  return lines;
}
