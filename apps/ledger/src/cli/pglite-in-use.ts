import { access, readdir, readFile, readlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';

export type PgliteHolder =
  | { readonly kind: 'process'; readonly pid: number; readonly command: string }
  /** A postmaster.pid and no way to look at other processes (no /proc): maybe in use. */
  | { readonly kind: 'unknown' };

export class StoreInUseError extends Error {
  override readonly name = 'StoreInUseError';
  constructor(dir: string, holder: PgliteHolder) {
    super(
      `${
        holder.kind === 'process'
          ? `the embedded store in ${dir} is open in another process (pid ${holder.pid}: ${holder.command})`
          : `the embedded store in ${dir} looks open (${join(dir, 'postmaster.pid')} exists)`
      }. PGlite allows one process per data directory, and a second one would corrupt it: ` +
        `stop the service first (or, to work beside a running service, run the ledger on ` +
        `PostgreSQL: LEDGER_STORE=postgres DATABASE_URL=postgres://…)`,
    );
  }
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

/**
 * Whether another process has the PGlite data directory open. PGlite takes no lock: a second
 * process opens the directory without complaint and the two overwrite each other's pages. It
 * does write `postmaster.pid` while open (and removes it on close; a crash leaves it), and the
 * process keeps the directory's files open, which /proc shows on Linux.
 */
export const findPgliteHolder = async (dir: string): Promise<PgliteHolder | null> => {
  const root = resolve(dir);
  if (!(await exists(join(root, 'postmaster.pid')))) return null;
  if (!(await exists('/proc/self/fd'))) return { kind: 'unknown' };
  const pids = (await readdir('/proc')).filter((p) => /^\d+$/.test(p) && Number(p) !== process.pid);
  for (const pid of pids) {
    const fds = await readdir(`/proc/${pid}/fd`).catch(() => [] as string[]);
    for (const fd of fds) {
      const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
      if (target.startsWith(`${root}/`)) {
        const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
        return { kind: 'process', pid: Number(pid), command: cmdline.split('\0').join(' ').trim() };
      }
    }
  }
  return null; // left by a process that crashed: PGlite opens it as after any crash
};
