import { createHash } from 'node:crypto';
import { isScope, RESERVED_PRINCIPALS, type Scope, SCOPES } from './scopes.js';

/** A named API credential: who it is, what it may do, and the SHA-256 of its bearer token. */
export interface ApiCredential {
  /** Recorded as `metadata.issuedBy` of every event its requests cause. */
  readonly name: string;
  readonly scopes: ReadonlySet<Scope>;
  /** SHA-256 of the token (32 bytes): the token itself is never kept. */
  readonly tokenSha256: Buffer;
}

export interface ParsedCredentials {
  readonly credentials: readonly ApiCredential[];
  /** Every problem found, each naming where (`LEDGER_API_CREDENTIALS entry 2`), never a secret. */
  readonly problems: readonly string[];
}

/** A credential's name: the device-id pattern (one word, safe in a log line and a URL). */
export const CREDENTIAL_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export const sha256 = (token: string): Buffer =>
  createHash('sha256').update(token, 'utf8').digest();

/**
 * `name:scope[+scope]:sha256-hex-of-token` entries, one per line or comma-separated (CONTRACT.md
 * section 4); blank lines and lines starting with `#` are skipped (a file may carry comments).
 * The hash is of the token's UTF-8 bytes, e.g. `printf %s "$TOKEN" | sha256sum`.
 */
export function parseApiCredentials(text: string, origin: string): ParsedCredentials {
  const problems: string[] = [];
  const credentials: ApiCredential[] = [];
  const entries = text
    .split(/\r?\n/)
    .filter((line) => !line.trim().startsWith('#'))
    .flatMap((line) => line.split(','))
    .map((e) => e.trim())
    .filter(Boolean);
  entries.forEach((entry, i) => {
    const where = `${origin} entry ${i + 1}`;
    const parts = entry.split(':');
    if (parts.length !== 3) {
      problems.push(
        `${where}: expected name:scopes:sha256-hex-of-token (three fields separated by ':'), found ${parts.length}`,
      );
      return;
    }
    const [name, scopeList, hash] = parts.map((p) => p.trim()) as [string, string, string];
    const at = `${where} (${CREDENTIAL_NAME.test(name) ? name : 'unnamed'})`;
    let ok = true;
    if (!CREDENTIAL_NAME.test(name)) {
      problems.push(
        `${where}: the name must match ${CREDENTIAL_NAME.source} (letters, digits, _ . -, at most 64)`,
      );
      ok = false;
    } else if (RESERVED_PRINCIPALS.includes(name)) {
      problems.push(`${at}: "${name}" is reserved (it names the ledger itself or an open API)`);
      ok = false;
    }
    const scopes = scopeList.split('+').map((s) => s.trim());
    const unknown = scopeList === '' ? [] : scopes.filter((s) => !isScope(s));
    if (scopeList === '' || unknown.length > 0) {
      problems.push(
        `${at}: scopes are ${SCOPES.join(', ')} joined by '+'${
          unknown.length > 0
            ? ` (unknown: ${unknown.map((s) => JSON.stringify(s)).join(', ')})`
            : ''
        }`,
      );
      ok = false;
    }
    if (!/^[0-9a-fA-F]{64}$/.test(hash)) {
      // Do not echo it: it may be the token itself, pasted by mistake.
      problems.push(
        `${at}: the third field must be the SHA-256 of the token in hex (64 characters), e.g. printf %s "$TOKEN" | sha256sum`,
      );
      ok = false;
    }
    if (ok) {
      credentials.push({
        name,
        scopes: new Set(scopes.filter(isScope)),
        tokenSha256: Buffer.from(hash, 'hex'),
      });
    }
  });
  return { credentials, problems };
}

/**
 * The deprecated LEDGER_API_TOKENS: each token a credential with every scope, named
 * `token-<first 8 hex of its SHA-256>` (stable while the token is, and telling nothing of it),
 * so that the ledger still records which one was used.
 */
export function legacyTokenCredentials(tokens: readonly string[]): ApiCredential[] {
  return tokens.map((token) => {
    const digest = sha256(token);
    return {
      name: `token-${digest.subarray(0, 4).toString('hex')}`,
      scopes: new Set(SCOPES),
      tokenSha256: digest,
    };
  });
}

/** Problems of a whole set: one name for two credentials, or one token behind two names. */
export function credentialSetProblems(credentials: readonly ApiCredential[]): string[] {
  const problems: string[] = [];
  const names = new Map<string, number>();
  const hashes = new Map<string, string>();
  for (const c of credentials) {
    names.set(c.name, (names.get(c.name) ?? 0) + 1);
    const hex = c.tokenSha256.toString('hex');
    const other = hashes.get(hex);
    if (other !== undefined && other !== c.name)
      problems.push(`credentials ${other} and ${c.name} have the same token: give each its own`);
    hashes.set(hex, c.name);
  }
  for (const [name, n] of names)
    if (n > 1) problems.push(`credential name ${name} is used ${n} times: names must be unique`);
  return problems;
}
