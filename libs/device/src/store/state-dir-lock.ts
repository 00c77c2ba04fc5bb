/**
 * One process, one device state directory: two would hand out the same epoch and execute the
 * same command twice. A `lock` file holds the owner's pid; a lock whose process is gone (a
 * crash) is taken over.
 */
import fs from 'node:fs';
import path from 'node:path';

/** Directories locked by this process (a pid check cannot tell two stores of one process apart). */
const lockedHere = new Set<string>();

export class DeviceStateLockedError extends Error {
  override readonly name = 'DeviceStateLockedError';
  constructor(
    readonly dir: string,
    readonly pid: number,
  ) {
    super(
      `the device state directory ${dir} is in use by ${pid === process.pid ? 'another device in this process' : `process ${pid}`}: ` +
        'give each device (and each running copy) its own directory',
    );
  }
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists, under another user.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** Takes the directory's lock; returns the function that releases it. */
export function lockStateDir(dir: string): () => void {
  const abs = path.resolve(dir);
  if (lockedHere.has(abs)) throw new DeviceStateLockedError(abs, process.pid);
  const file = path.join(abs, 'lock');
  try {
    fs.writeFileSync(file, String(process.pid), { flag: 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    const owner = Number(fs.readFileSync(file, 'utf8').trim());
    if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && alive(owner))
      throw new DeviceStateLockedError(abs, owner);
    fs.writeFileSync(file, String(process.pid));
  }
  lockedHere.add(abs);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    lockedHere.delete(abs);
    fs.rmSync(file, { force: true });
  };
}
