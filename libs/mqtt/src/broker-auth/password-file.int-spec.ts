/**
 * Password files written by the real `mosquitto_passwd` (PBKDF2-SHA512 `$7$`, its default, and
 * SHA-512 `$6$` with `-H sha512`), read and verified the way the embedded broker does.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  PasswordFileError,
  parsePasswordFile,
  readPasswordFile,
  verifyPassword,
} from './password-file.js';

const have = spawnSync('mosquitto_passwd', ['-h'], { stdio: 'ignore' }).error === undefined;
if (!have && process.env['CI'] === 'true')
  throw new Error('mosquitto_passwd not installed; CI=true, so this is a failure, not a skip');

(have ? describe : describe.skip)('password files made by mosquitto_passwd', () => {
  let dir: string;
  let file: string;
  const passwd = (...args: string[]) => execFileSync('mosquitto_passwd', args, { stdio: 'ignore' });

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ratchet-passwd-'));
    file = join(dir, 'passwd');
    passwd('-c', '-b', file, 'pump-1', 'pump-1 secret, é');
    passwd('-b', file, 'ledger', 'ledger-secret');
    passwd('-H', 'sha512', '-b', file, 'pump-2', 'old-style');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('verifies the right password and refuses every other, for both hash types', async () => {
    const accounts = readPasswordFile(file);
    expect([...accounts.keys()]).toEqual(['pump-1', 'ledger', 'pump-2']);
    expect(accounts.get('pump-1')).toMatchObject({ kind: 'pbkdf2-sha512', iterations: 101 });
    expect(accounts.get('pump-2')).toMatchObject({ kind: 'sha512' });
    expect(await verifyPassword('pump-1 secret, é', accounts.get('pump-1')!)).toBe(true);
    expect(await verifyPassword(Buffer.from('ledger-secret'), accounts.get('ledger')!)).toBe(true);
    expect(await verifyPassword('old-style', accounts.get('pump-2')!)).toBe(true);
    for (const [user, wrong] of [
      ['pump-1', 'pump-1 secret, e'],
      ['pump-1', ''],
      ['ledger', 'ledger-secret '],
      ['pump-2', 'Old-style'],
      ['pump-2', 'pump-1 secret, é'],
    ] as const)
      expect({ user, wrong, ok: await verifyPassword(wrong, accounts.get(user)!) }).toEqual({
        user,
        wrong,
        ok: false,
      });
  });

  it('skips comments and blank lines as Mosquitto does, and names every bad line', () => {
    const text = readFileSync(file, 'utf8');
    expect(parsePasswordFile(`# accounts\n\n${text}`).size).toBe(3);
    let error: unknown;
    try {
      parsePasswordFile(
        [
          text.split('\n')[0],
          'pump-3:plain-text-password',
          'pump-4:$7$101$!!!$abc',
          'pump-5:$5$x$y',
          'no-colon',
          text.split('\n')[0],
          'bad id:$6$YWJj$' + 'A'.repeat(86) + '==',
        ].join('\n'),
        'f',
        (u) => (u.includes(' ') ? `"${u}" is not a device id` : undefined),
      );
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PasswordFileError);
    expect((error as PasswordFileError).problems).toEqual([
      'line 2 (pump-3): not a mosquitto_passwd hash ($7$… or $6$…); was the password written in clear?',
      'line 3 (pump-4): salt and hash must be base64',
      'line 4 (pump-5): unknown hash type $5$ (mosquitto_passwd writes $7$, older versions $6$)',
      'line 5: expected user:hash',
      'line 6: pump-1 appears twice',
      'line 7: "bad id" is not a device id',
    ]);
  });

  it('refuses a missing file and an empty one', () => {
    expect(() => readPasswordFile(join(dir, 'none'))).toThrow(`${join(dir, 'none')}: no such file`);
    writeFileSync(join(dir, 'empty'), '# nothing\n');
    expect(() => readPasswordFile(join(dir, 'empty'))).toThrow('no accounts');
  });
});
