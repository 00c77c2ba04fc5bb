/**
 * Issue 16's table: every figure the benchmark can measure, the goal beside it and whether this
 * run met it. Pure: it reads the step results and returns rows, so what "met" means is here.
 */
import { n0, n1, n2 } from './format.js';
import type { ModeResult } from './report.js';
import type { Step } from './step.js';

export interface GoalRow {
  readonly what: string;
  readonly today: string;
  readonly goal: string;
  /** null: not measured by this run (the row says where it is). */
  readonly met: boolean | null;
}

/** The soak's outcome, when a run held one rate (see soak.ts). */
export interface SoakFigures {
  readonly rssSlope: number;
  readonly heapSlope: number;
  readonly firstMinuteP99: number;
  readonly lastMinuteP99: number;
  readonly minutes: number;
}

const measured = (r: ModeResult | undefined): Step[] =>
  r ? r.steps.filter((s) => s.outcome !== undefined) : [];
/** A step the ledger kept up with: every command issued was executed within the drain. */
const sustained = (s: Step): boolean => s.keptUp && s.outcome!.unfinished === 0;
/** The highest rate kept up with, else the step that completed most. */
function topStep(steps: readonly Step[]): Step | undefined {
  const kept = steps.filter(sustained);
  const pool = kept.length > 0 ? kept : steps;
  return pool.reduce<Step | undefined>(
    (b, s) => (!b || s.outcome!.executedPerSecond > b.outcome!.executedPerSecond ? s : b),
    undefined,
  );
}
const atRate = (s: Step): string => `at ${n0(s.rate)}/s${sustained(s) ? '' : ' (fell behind)'}`;

export function goalRows(
  results: readonly ModeResult[],
  soak: SoakFigures | null,
  soakRan: boolean,
): GoalRow[] {
  const rows: GoalRow[] = [];
  const pgResult = results.find((r) => r.mode === 'postgres');
  const pg = measured(pgResult);
  if (pg.length > 0) {
    const best = Math.max(0, ...pg.filter(sustained).map((s) => s.outcome!.executedPerSecond));
    const peak = pg.reduce((b, s) =>
      s.outcome!.executedPerSecond > b.outcome!.executedPerSecond ? s : b,
    );
    rows.push({
      what: 'PostgreSQL: sustained completed commands/s',
      today:
        `${n0(best)}` +
        (sustained(peak) ? '' : ` (${n0(peak.outcome!.executedPerSecond)}/s ${atRate(peak)})`),
      goal: '≥ 1,000',
      met: best >= 1000,
    });
    const half = pg.find((s) => s.rate === 500);
    rows.push({
      what: 'issue → executed p99 ms',
      today: pg.map((s) => `${n1(s.outcome!.latency.p99)} ${atRate(s)}`).join(', '),
      goal: '≤ 25 at 500/s',
      met: half ? sustained(half) && half.outcome!.latency.p99 <= 25 : false,
    });
    const top = topStep(pg)!;
    const c = top.cpuMsPerCommand;
    rows.push({
      what: 'CPU ms per command, all processes',
      today: `${n2(c.total!)} ${atRate(top)} (ledger ${n2(c.service!)}, PostgreSQL ${n2(c.postgres!)}, Mosquitto ${n2(c.broker!)}, fleet ${n2(c.fleet!)}, generator ${n2(c.self!)})`,
      goal: '≤ 2.0',
      met: c.total! <= 2,
    });
    rows.push({
      what: 'CPU ms per command, ledger',
      today: pg.map((s) => `${n2(s.cpuMsPerCommand.service!)} at ${n0(s.rate)}/s`).join(', '),
      goal: '≤ 0.7',
      met: c.service! <= 0.7,
    });
    const raw = pgResult!.raw?.perSecond ?? Number.NaN;
    const ratio = top.outcome!.transitionsPerSecond / raw;
    rows.push({
      what: `transitions/s ÷ raw single-row commits (${n0(raw)}/s, this run)`,
      today: `${n2(ratio)} ${atRate(top)} (${n0(top.outcome!.transitionsPerSecond)} transitions/s)`,
      goal: '≥ 0.35',
      met: ratio >= 0.35,
    });
    const from100 = pg.filter((s) => s.rate >= 100);
    const worst = Math.max(...from100.map((s) => s.db.commits));
    rows.push({
      what: 'database transactions per command',
      today: pg.map((s) => `${n1(s.db.commits)} at ${n0(s.rate)}/s`).join(', '),
      goal: '≤ 1.5 at every rate ≥ 100/s',
      met: from100.length > 0 && worst <= 1.5,
    });
  } else if (!soakRan) {
    rows.push({ what: 'PostgreSQL', today: 'not run', goal: '', met: null });
  }
  const em = measured(results.find((r) => r.mode === 'embedded'));
  if (em.length > 0) {
    const best = Math.max(0, ...em.filter(sustained).map((s) => s.outcome!.executedPerSecond));
    rows.push({
      what: 'embedded (PGlite + Aedes): sustained completed/s',
      today: n0(best),
      goal: '≥ 500',
      met: best >= 500,
    });
    const q = em.find((s) => s.rate === 250);
    rows.push({
      what: 'embedded: issue → executed p99 ms',
      today: em.map((s) => `${n1(s.outcome!.latency.p99)} ${atRate(s)}`).join(', '),
      goal: '≤ 50 at 250/s',
      met: q ? sustained(q) && q.outcome!.latency.p99 <= 50 : false,
    });
    const rss = Math.max(...em.map((s) => s.rssMax));
    rows.push({
      what: 'embedded: ledger RSS MiB (highest)',
      today: n0(rss),
      goal: '≤ 300',
      met: rss <= 300,
    });
    rows.push({
      what: 'embedded: ledger CPU ms per command',
      today: em.map((s) => `${n2(s.cpuMsPerCommand.service!)} at ${n0(s.rate)}/s`).join(', '),
      goal: '(no goal of its own)',
      met: null,
    });
  }
  if (soak) {
    rows.push({
      what: `soak ${n0(soak.minutes)} min: RSS and heap slope MiB/min`,
      today: `RSS ${n2(soak.rssSlope)}, heap ${n2(soak.heapSlope)}`,
      goal: '< 1',
      met: soak.rssSlope < 1 && soak.heapSlope < 1,
    });
    rows.push({
      what: `soak: p99 in minute ${n0(soak.minutes)} ÷ minute 1`,
      today: `${n1(soak.lastMinuteP99)} ÷ ${n1(soak.firstMinuteP99)} ms = ${n2(soak.lastMinuteP99 / soak.firstMinuteP99)}`,
      goal: '≤ 1.5',
      met: soak.lastMinuteP99 <= 1.5 * soak.firstMinuteP99,
    });
  } else {
    rows.push({
      what: 'soak: memory and latency over 10 minutes',
      today: 'not run (npm run bench -- --soak-minutes 10)',
      goal: 'slopes < 1 MiB/min, p99 min 10 ≤ 1.5 × min 1',
      met: null,
    });
  }
  rows.push({
    what: 'store: guarded append ÷ raw INSERT, 8 writers',
    today: 'not run here (npm run bench:store)',
    goal: '≥ 1.0',
    met: null,
  });
  return rows;
}

export const verdict = (met: boolean | null): string =>
  met === null ? '—' : met ? 'met' : 'NOT met';
