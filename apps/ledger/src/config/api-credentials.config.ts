import { readFileSync } from 'node:fs';
import {
  type ApiCredential,
  credentialSetProblems,
  legacyTokenCredentials,
  parseApiCredentials,
} from '@ratchet/ledger';

type Env = Readonly<Record<string, string | undefined>>;

export interface LoadedCredentials {
  readonly credentials: readonly ApiCredential[];
  readonly problems: readonly string[];
  /** LEDGER_API_TOKENS is set: still honoured, with a warning at start. */
  readonly legacyTokens: boolean;
  /** LEDGER_API_CREDENTIALS_FILE, the part that SIGHUP re-reads. */
  readonly file: string | null;
}

const value = (env: Env, name: string): string | null => {
  const v = env[name]?.trim();
  return v ? v : null;
};

/**
 * The API's credentials from LEDGER_API_CREDENTIALS, LEDGER_API_CREDENTIALS_FILE (the same
 * format, one per line, `#` comments) and the deprecated LEDGER_API_TOKENS, all together. Run
 * at start-up and again on SIGHUP (then only the file can have changed). Problems name the
 * variable, the entry and the credential, never a token or a hash.
 */
export function loadApiCredentials(
  env: Env,
  readFile: (path: string) => string = (p) => readFileSync(p, 'utf8'),
): LoadedCredentials {
  const problems: string[] = [];
  const credentials: ApiCredential[] = [];
  const inline = value(env, 'LEDGER_API_CREDENTIALS');
  if (inline !== null) {
    const parsed = parseApiCredentials(inline, 'LEDGER_API_CREDENTIALS');
    credentials.push(...parsed.credentials);
    problems.push(...parsed.problems);
  }
  const file = value(env, 'LEDGER_API_CREDENTIALS_FILE');
  if (file !== null) {
    let text: string | null = null;
    try {
      text = readFile(file);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? String(e);
      problems.push(`LEDGER_API_CREDENTIALS_FILE=${file}: cannot be read (${code})`);
    }
    if (text !== null) {
      const parsed = parseApiCredentials(text, `LEDGER_API_CREDENTIALS_FILE ${file}`);
      if (parsed.credentials.length === 0 && parsed.problems.length === 0)
        problems.push(`LEDGER_API_CREDENTIALS_FILE=${file}: holds no credential`);
      credentials.push(...parsed.credentials);
      problems.push(...parsed.problems);
    }
  }
  const tokens = (value(env, 'LEDGER_API_TOKENS') ?? '')
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  if (tokens.some((t) => t.length < 16))
    problems.push('LEDGER_API_TOKENS: every token must be at least 16 characters');
  // The guard reads `Authorization: Bearer <token>` up to the first space: a token with a space
  // or a non-ASCII character could never match, and would lock its holder out in silence.
  if (tokens.some((t) => !/^[\x21-\x7e]+$/.test(t)))
    problems.push(
      'LEDGER_API_TOKENS: tokens are visible ASCII without spaces (e.g. openssl rand -hex 32)',
    );
  credentials.push(...legacyTokenCredentials(tokens));
  problems.push(...credentialSetProblems(credentials));
  return { credentials, problems, legacyTokens: tokens.length > 0, file };
}
