/**
 * A failing run keeps its logs (the instances', the broker's, PostgreSQL's) in a directory of
 * their own, which survives the run directory's removal, and prints the tail of each.
 */
import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

const TAIL_LINES = 25;

export async function saveLogs(
  files: readonly string[],
  seed: number,
  say: (line: string) => void,
): Promise<string> {
  const dir = join(tmpdir(), `ratchet-chaos-logs-${seed}-${Date.now()}`);
  await mkdir(dir, { recursive: true });
  for (const f of files) {
    await copyFile(f, join(dir, basename(f))).catch(() => undefined);
    const text = await readFile(f, 'utf8').catch(() => '');
    const tail = text.trimEnd().split('\n').slice(-TAIL_LINES);
    say(`--- last ${tail.length} lines of ${basename(f)} ---\n${tail.join('\n')}`);
  }
  say(`chaos: logs kept in ${dir}`);
  return dir;
}
