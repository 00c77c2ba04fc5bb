/**
 * apps/broker/passwd under the tool the README tells operators to use: mosquitto_passwd
 * extends it without losing an account, and (why the file carries no demo warning) a comment
 * line would make it drop every account after it.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './compose-file.js';
import { requireMosquittoBinary } from './deployed-mosquitto.js';

const SHIPPED = join(REPO_ROOT, 'apps/broker/passwd');
const run = requireMosquittoBinary('mosquitto_passwd');

(run ? describe : describe.skip)('the shipped password file, edited with mosquitto_passwd', () => {
  let dir: string;
  let copy: string;
  const users = async () =>
    (await readFile(copy, 'utf8'))
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => l.split(':')[0]);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ratchet-passwd-'));
    copy = join(dir, 'passwd');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('gains an account and keeps the others', async () => {
    await copyFile(SHIPPED, copy);
    execFileSync('mosquitto_passwd', ['-b', copy, 'pump-4', 'a-real-secret']);
    expect((await users()).sort()).toEqual(['ledger', 'pump-4']);
  });

  it('(why it carries no comment) loses the accounts after a comment line', async () => {
    await writeFile(copy, `# demo credentials\n${await readFile(SHIPPED, 'utf8')}`);
    execFileSync('mosquitto_passwd', ['-b', copy, 'pump-4', 'a-real-secret']);
    expect(await users()).toEqual(['pump-4']);
  });
});
