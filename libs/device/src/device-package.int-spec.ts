/**
 * What a device pays for importing the SDK: the built package (npm run build) must not load a
 * broker, Nest or a database driver — @ratchet/mqtt holds the embedded broker, which it loads
 * only when started. Checked in a fresh Node process that logs every module it resolves.
 */
import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const packageDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const HOOK = `export async function resolve(s, c, next) { process.stderr.write('RESOLVED ' + s + '\\n'); return next(s, c); }`;
const SCRIPT = [
  "import { register } from 'node:module';",
  `register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(HOOK)}));`,
  "const m = await import('@ratchet/device');",
  'process.stdout.write(typeof m.RatchetDevice);',
].join('\n');

describe('the built @ratchet/device', () => {
  it('loads neither Aedes nor Nest nor a database driver', () => {
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', SCRIPT], {
      cwd: packageDir,
      encoding: 'utf8',
    });
    expect(run.stdout).toBe('function'); // else: not built? run `npm run build`
    const resolved = run.stderr.split('\n').filter((l) => l.startsWith('RESOLVED '));
    expect(resolved).toContainEqual('RESOLVED mqtt'); // the hook saw the imports
    const heavy = resolved.filter((l) =>
      /RESOLVED (aedes|@nestjs\/|pg|@electric-sql\/|@eventstore\/)/.test(l),
    );
    expect(heavy).toEqual([]);
  });
});
