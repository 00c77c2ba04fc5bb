/**
 * Just enough of a Dockerfile and .dockerignore reader to check, without a Docker engine, that
 * what the image is built from exists and reaches the build context.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './compose-file.js';

export interface Instruction {
  readonly keyword: string;
  readonly args: string;
}

export function readDockerfile(path: string): Instruction[] {
  return readFileSync(join(REPO_ROOT, path), 'utf8')
    .replace(/\\\r?\n/g, ' ') // line continuations
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const [keyword, ...rest] = l.split(/\s+/);
      return { keyword: keyword!.toUpperCase(), args: rest.join(' ') };
    });
}

/** Sources of `COPY`/`ADD` from the build context (not `--from=` another stage). */
export function contextSources(instructions: readonly Instruction[]): string[] {
  return instructions
    .filter((i) => (i.keyword === 'COPY' || i.keyword === 'ADD') && !/--from=/.test(i.args))
    .flatMap((i) => {
      const words = i.args.split(/\s+/).filter((w) => !w.startsWith('--'));
      return words.slice(0, -1); // the last word is the destination
    });
}

/** The exec-form `CMD [...]` of the final stage. */
export function finalCmd(instructions: readonly Instruction[]): string[] {
  const cmd = instructions.filter((i) => i.keyword === 'CMD').at(-1);
  if (!cmd) throw new Error('the Dockerfile has no CMD');
  return JSON.parse(cmd.args) as string[];
}

/** Whether .dockerignore keeps `path` out of the build context (plain names and `*` only). */
export function ignoredByDockerignore(path: string, context = '.'): boolean {
  let text: string;
  try {
    text = readFileSync(join(REPO_ROOT, context, '.dockerignore'), 'utf8');
  } catch {
    return false;
  }
  let ignored = false;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const negated = line.startsWith('!');
    const pattern = (negated ? line.slice(1) : line).replace(/^\.?\//, '').replace(/\/$/, '');
    const re = new RegExp(
      `^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}(/.*)?$`,
    );
    if (re.test(path.replace(/^\.?\//, ''))) ignored = !negated;
  }
  return ignored;
}
