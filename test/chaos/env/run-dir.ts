/**
 * The run's directory: the PostgreSQL cluster, the broker's configuration, the instances' logs.
 * It records the PIDs of what it started, so that a later run can clean up after one that was
 * killed with SIGKILL (where no handler runs): it stops only those PIDs, and only if they still
 * run the program recorded for them.
 */
import { spawnSync } from 'node:child_process';
import { chmod, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pgBinary, runAsPostgres } from './postgres-binaries.js';

const PREFIX = 'ratchet-chaos-';
const OWNER = 'owner.pid';
const CHILDREN = 'children.json';

export interface RunDir {
  readonly path: string;
  /** Remembers a child so that a later run may stop it if this one dies without cleaning up. */
  recordChild(pid: number, program: string): Promise<void>;
  remove(): Promise<void>;
}

export async function createRunDir(keep: boolean): Promise<RunDir> {
  const path = await mkdtemp(join(tmpdir(), PREFIX));
  // The PostgreSQL cluster lives below, owned by the postgres user, who must be able to get in.
  await chmod(path, 0o755);
  await writeFile(join(path, OWNER), String(process.pid));
  const children: { pid: number; program: string }[] = [];
  return {
    path,
    recordChild: async (pid, program) => {
      children.push({ pid, program });
      await writeFile(join(path, CHILDREN), JSON.stringify(children));
    },
    remove: async () => {
      if (!keep) return rm(path, { recursive: true, force: true });
      // Kept on purpose: no longer a run in progress, so a later run's sweep leaves it alone.
      await rm(join(path, OWNER), { force: true });
    },
  };
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const commandLineOf = (pid: number): string => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
};

/** Stops and removes what runs killed with SIGKILL left behind; returns how many it removed. */
export async function sweepAbandonedRuns(log: (line: string) => void): Promise<number> {
  let swept = 0;
  for (const name of await readdir(tmpdir())) {
    if (!name.startsWith(PREFIX)) continue;
    const dir = join(tmpdir(), name);
    // No owner file: a run kept with --keep (or not ours to judge). A live owner: running.
    const owner = Number(await readFile(join(dir, OWNER), 'utf8').catch(() => 'none'));
    if (!Number.isInteger(owner) || alive(owner)) continue;
    const children = JSON.parse(await readFile(join(dir, CHILDREN), 'utf8').catch(() => '[]')) as {
      pid: number;
      program: string;
    }[];
    for (const c of children) {
      if (alive(c.pid) && commandLineOf(c.pid).includes(c.program)) process.kill(c.pid, 'SIGKILL');
    }
    const data = join(dir, 'pg', 'data');
    if (existsSync(join(data, 'postmaster.pid'))) {
      runAsPostgres(pgBinary('pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']);
    }
    spawnSync('rm', ['-rf', dir]);
    swept++;
  }
  if (swept > 0) log(`chaos: removed ${swept} directory(ies) left by runs that were killed`);
  return swept;
}
