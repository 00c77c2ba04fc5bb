/**
 * Where PostgreSQL's server programs are, and how to run them: `initdb` and `postgres` refuse
 * to run as root, so as root they run as the `postgres` user (in a directory it owns).
 */
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const SEARCH = '/usr/lib/postgresql';

/** `PG_BIN` if set, else the newest /usr/lib/postgresql/<major>/bin, else the PATH. */
export function pgBinDir(): string | null {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  if (!existsSync(SEARCH)) return null;
  const majors = readdirSync(SEARCH)
    .filter((v) => existsSync(join(SEARCH, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return majors.length > 0 ? join(SEARCH, majors[0]!, 'bin') : null;
}

export const pgBinary = (name: string): string => {
  const dir = pgBinDir();
  return dir ? join(dir, name) : name;
};

export const isRoot = (): boolean => process.getuid?.() === 0;

/** Runs a PostgreSQL program, as the postgres user when we are root. */
export function runAsPostgres(program: string, args: readonly string[]): SpawnSyncReturns<string> {
  return isRoot()
    ? spawnSync('runuser', ['-u', 'postgres', '--', program, ...args], { encoding: 'utf8' })
    : spawnSync(program, [...args], { encoding: 'utf8' });
}

/** Can this machine run a private cluster at all? (Used to skip, or fail under CI.) */
export function postgresAvailable(): boolean {
  const r = spawnSync(pgBinary('initdb'), ['--version'], { encoding: 'utf8' });
  return r.status === 0;
}

/** The same, without blocking the event loop (the load keeps running while PostgreSQL restarts). */
export function runAsPostgresAsync(
  program: string,
  args: readonly string[],
): Promise<{ status: number | null; output: string }> {
  const [cmd, argv] = isRoot()
    ? ['runuser', ['-u', 'postgres', '--', program, ...args]]
    : [program, [...args]];
  return new Promise((resolve) => {
    const child = spawn(cmd as string, argv as string[], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    child.once('error', (e) => resolve({ status: null, output: `${output}${String(e)}` }));
    child.once('exit', (status) => resolve({ status, output }));
  });
}
