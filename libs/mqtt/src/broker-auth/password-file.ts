/**
 * Password files as `mosquitto_passwd` writes them, one `user:hash` line per account, so that
 * one file serves Mosquitto and the embedded broker alike. Hashes:
 *
 * - `$7$<iterations>$<salt>$<hash>`: PBKDF2-HMAC-SHA512 (Mosquitto 2.0's default), salt and
 *   64-byte hash in base64;
 * - `$6$<salt>$<hash>`: SHA-512 of the password followed by the salt (Mosquitto 1.x).
 *
 * As Mosquitto reads it: blank lines and lines starting with `#` are skipped (although
 * `mosquitto_passwd` itself drops the accounts after a comment line when it edits the file).
 */
import { createHash, pbkdf2, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';

const pbkdf2Async = promisify(pbkdf2);

export type PasswordHash =
  | {
      readonly kind: 'pbkdf2-sha512';
      readonly iterations: number;
      readonly salt: Buffer;
      readonly hash: Buffer;
    }
  | { readonly kind: 'sha512'; readonly salt: Buffer; readonly hash: Buffer };

/** Accounts by username. */
export type PasswordAccounts = ReadonlyMap<string, PasswordHash>;

export class PasswordFileError extends Error {
  override readonly name = 'PasswordFileError';
  constructor(
    readonly source: string,
    readonly problems: readonly string[],
  ) {
    super(`${source}: ${problems.length === 1 ? problems[0] : `\n  - ${problems.join('\n  - ')}`}`);
  }
}

const B64 = /^[A-Za-z0-9+/]+={0,2}$/;
/** Above this a single CONNECT would hold a core for seconds: a typo or an attack. */
const MAX_ITERATIONS = 10_000_000;

/** Parses one hash field; a string says what is wrong with it. */
export function parsePasswordHash(field: string): PasswordHash | string {
  const parts = field.split('$');
  if (parts[0] !== '' || parts.length < 4)
    return 'not a mosquitto_passwd hash ($7$… or $6$…); was the password written in clear?';
  if (parts[1] === '7') {
    if (parts.length !== 5) return 'a $7$ hash has the form $7$<iterations>$<salt>$<hash>';
    const iterations = Number(parts[2]);
    if (!Number.isInteger(iterations) || iterations < 1 || iterations > MAX_ITERATIONS)
      return `iterations ${parts[2]} must be a whole number from 1 to ${MAX_ITERATIONS}`;
    if (!B64.test(parts[3]!) || !B64.test(parts[4]!)) return 'salt and hash must be base64';
    const hash = Buffer.from(parts[4]!, 'base64');
    if (hash.length !== 64) return `a PBKDF2-SHA512 hash has 64 bytes, not ${hash.length}`;
    return { kind: 'pbkdf2-sha512', iterations, salt: Buffer.from(parts[3]!, 'base64'), hash };
  }
  if (parts[1] === '6') {
    if (parts.length !== 4) return 'a $6$ hash has the form $6$<salt>$<hash>';
    if (!B64.test(parts[2]!) || !B64.test(parts[3]!)) return 'salt and hash must be base64';
    const hash = Buffer.from(parts[3]!, 'base64');
    if (hash.length !== 64) return `a SHA-512 hash has 64 bytes, not ${hash.length}`;
    return { kind: 'sha512', salt: Buffer.from(parts[2]!, 'base64'), hash };
  }
  return `unknown hash type $${parts[1]}$ (mosquitto_passwd writes $7$, older versions $6$)`;
}

/** Every account of the text, or every problem (with its line number). */
export function parsePasswordFile(
  text: string,
  source = 'password file',
  /** Refuses usernames it returns a reason for (e.g. names that are not device ids). */
  checkUsername: (username: string) => string | undefined = () => undefined,
): PasswordAccounts {
  const accounts = new Map<string, PasswordHash>();
  const problems: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const at = `line ${i + 1}`;
    const colon = line.indexOf(':');
    if (colon <= 0) return void problems.push(`${at}: expected user:hash`);
    const username = line.slice(0, colon);
    const hash = parsePasswordHash(line.slice(colon + 1));
    if (typeof hash === 'string') return void problems.push(`${at} (${username}): ${hash}`);
    const refused = checkUsername(username);
    if (refused) return void problems.push(`${at}: ${refused}`);
    if (accounts.has(username)) return void problems.push(`${at}: ${username} appears twice`);
    accounts.set(username, hash);
  });
  if (problems.length === 0 && accounts.size === 0)
    problems.push('no accounts (make them with: mosquitto_passwd -c <file> <device-id>)');
  if (problems.length > 0) throw new PasswordFileError(source, problems);
  return accounts;
}

export function readPasswordFile(
  path: string,
  checkUsername?: (username: string) => string | undefined,
): PasswordAccounts {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new PasswordFileError(path, [
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'is a directory, not a file'
          : `cannot be read (${(e as Error).message})`,
    ]);
  }
  return parsePasswordFile(text, path, checkUsername);
}

/** Whether `password` is the one `hash` was made from (constant time in the comparison). */
export async function verifyPassword(
  password: string | Buffer,
  hash: PasswordHash,
): Promise<boolean> {
  const secret = Buffer.isBuffer(password) ? password : Buffer.from(password, 'utf8');
  const computed =
    hash.kind === 'pbkdf2-sha512'
      ? await pbkdf2Async(secret, hash.salt, hash.iterations, 64, 'sha512')
      : createHash('sha512').update(secret).update(hash.salt).digest();
  return computed.length === hash.hash.length && timingSafeEqual(computed, hash.hash);
}
