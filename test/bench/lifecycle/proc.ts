/**
 * CPU and memory of processes from /proc (Linux): utime + stime of /proc/<pid>/stat, VmRSS of
 * /proc/<pid>/status, and the machine's busy time from /proc/stat. A process that is gone
 * reads as nothing rather than failing the run.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';

const TICKS_PER_SECOND = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

const read = (path: string): string | null => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
};

/** CPU seconds (user + system) a process has used, or null if it is gone. */
export function cpuSeconds(pid: number): number | null {
  const stat = read(`/proc/${pid}/stat`);
  if (stat === null) return null;
  // The command name is in parentheses and may contain spaces: split after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 of stat(5) are utime and stime; fields[0] here is field 3.
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/** Resident memory in MiB, or null if the process is gone. */
export function rssMiB(pid: number): number | null {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(read(`/proc/${pid}/status`) ?? '');
  return m ? Number(m[1]) / 1024 : null;
}

/** CPU seconds and command name of every process on the machine. */
export function allProcesses(): Map<number, { readonly cpu: number; readonly name: string }> {
  const out = new Map<number, { cpu: number; name: string }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    const cpu = cpuSeconds(pid);
    if (cpu === null) continue;
    const cmdline = (read(`/proc/${pid}/cmdline`) ?? '').replace(/\0/g, ' ').trim();
    out.set(pid, { cpu, name: cmdline || (read(`/proc/${pid}/comm`) ?? '?').trim() });
  }
  return out;
}

/**
 * The busiest processes between two snapshots that are not in `ours`: other work on the
 * machine, in % of one core, busiest first.
 */
export function otherProcesses(
  a: ReturnType<typeof allProcesses>,
  b: ReturnType<typeof allProcesses>,
  seconds: number,
  ours: ReadonlySet<number>,
): { readonly total: number; readonly top: readonly { name: string; percent: number }[] } {
  const list: { name: string; percent: number }[] = [];
  for (const [pid, p] of b) {
    if (ours.has(pid)) continue;
    const used = p.cpu - (a.get(pid)?.cpu ?? 0);
    if (used > 0) list.push({ name: p.name, percent: (100 * used) / seconds });
  }
  list.sort((x, y) => y.percent - x.percent);
  return { total: list.reduce((t, p) => t + p.percent, 0), top: list.slice(0, 3) };
}

/** Busy and total CPU seconds of the whole machine (all cores) since boot. */
export function machineSeconds(): { busy: number; total: number } {
  const line = (read('/proc/stat') ?? '').split('\n')[0] ?? '';
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const total = v.reduce((a, b) => a + b, 0);
  const idle = (v[3] ?? 0) + (v[4] ?? 0); // idle + iowait
  return { busy: (total - idle) / TICKS_PER_SECOND, total: total / TICKS_PER_SECOND };
}

export interface CpuReading {
  /** Per labelled group: CPU seconds by pid at the time of reading. */
  readonly groups: Readonly<Record<string, ReadonlyMap<number, number>>>;
  readonly self: NodeJS.CpuUsage;
  readonly machine: { busy: number; total: number };
  readonly at: number;
}

/** What to read: a label per group of PIDs, the group's PIDs found afresh at each reading. */
export type CpuGroups = Readonly<Record<string, () => readonly number[]>>;

export function readCpu(groups: CpuGroups): CpuReading {
  const out: Record<string, Map<number, number>> = {};
  for (const [label, pids] of Object.entries(groups)) {
    const m = new Map<number, number>();
    for (const pid of pids()) {
      const s = cpuSeconds(pid);
      if (s !== null) m.set(pid, s);
    }
    out[label] = m;
  }
  return {
    groups: out,
    self: process.cpuUsage(),
    machine: machineSeconds(),
    at: performance.now(),
  };
}

/** CPU seconds used between two readings, by group, plus this process (`self`). */
export function cpuUsed(a: CpuReading, b: CpuReading): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [label, after] of Object.entries(b.groups)) {
    const before = a.groups[label] ?? new Map<number, number>();
    let used = 0;
    // A process that started in between counts from zero; one that ended is lost (rare here).
    for (const [pid, s] of after) used += s - (before.get(pid) ?? 0);
    out[label] = used;
  }
  out.self = (b.self.user - a.self.user + b.self.system - a.self.system) / 1e6;
  return out;
}

/**
 * CPU use between two readings, in % of one core per group (200 % = both cores of a 2-core
 * machine), plus this process (`self`) and the whole machine in % of all its cores.
 */
export function cpuPercent(a: CpuReading, b: CpuReading): Record<string, number> {
  const seconds = (b.at - a.at) / 1000;
  const out: Record<string, number> = {};
  for (const [label, used] of Object.entries(cpuUsed(a, b))) out[label] = (100 * used) / seconds;
  const total = b.machine.total - a.machine.total;
  out.machine = total > 0 ? (100 * (b.machine.busy - a.machine.busy)) / total : 0;
  return out;
}
