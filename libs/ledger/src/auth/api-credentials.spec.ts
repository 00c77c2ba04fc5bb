import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  credentialSetProblems,
  legacyTokenCredentials,
  parseApiCredentials,
  sha256,
} from './api-credentials.js';
import { findCredential } from './find-credential.js';

const hex = (token: string) => sha256(token).toString('hex');
const DASH = 'dashboard-token-0123456789abcdef';
const OPS = 'operations-token-0123456789abcdef';

describe('parseApiCredentials', () => {
  it('reads name:scopes:sha256 entries, comma-separated or one per line, with comments', () => {
    const text = `# the dashboard only reads\n dashboard:read:${hex(DASH)} \n\nops:read+issue+admin:${hex(OPS)},ci:issue:${'A'.repeat(64)}`;
    const { credentials, problems } = parseApiCredentials(text, 'LEDGER_API_CREDENTIALS');
    expect(problems).toEqual([]);
    expect(credentials.map((c) => [c.name, [...c.scopes]])).toEqual([
      ['dashboard', ['read']],
      ['ops', ['read', 'issue', 'admin']],
      ['ci', ['issue']],
    ]);
    expect(findCredential(credentials, DASH)?.name).toBe('dashboard');
    expect(findCredential(credentials, OPS)?.name).toBe('ops');
  });

  it('names every problem, with its entry and credential, and never echoes the hash field', () => {
    const pasted = 'the-token-itself-pasted-by-mistake';
    const text = [
      'no-colons-here',
      `bad name!:read:${hex(DASH)}`,
      `system:read:${hex(DASH)}`,
      `dash:read+write:${hex(DASH)}`,
      `dash2::${hex(DASH)}`,
      `dash3:read:${pasted}`,
    ].join('\n');
    const { credentials, problems } = parseApiCredentials(text, 'F');
    expect(credentials).toEqual([]);
    expect(problems).toEqual([
      "F entry 1: expected name:scopes:sha256-hex-of-token (three fields separated by ':'), found 1",
      expect.stringMatching(/^F entry 2: the name must match/),
      'F entry 3 (system): "system" is reserved (it names the ledger itself or an open API)',
      'F entry 4 (dash): scopes are read, issue, admin joined by \'+\' (unknown: "write")',
      "F entry 5 (dash2): scopes are read, issue, admin joined by '+'",
      expect.stringMatching(/^F entry 6 \(dash3\): the third field must be the SHA-256/),
    ]);
    expect(problems.join('\n')).not.toContain(pasted);
  });

  it('finds no credential for a token that is not configured, however close', () => {
    const { credentials } = parseApiCredentials(`dash:read:${hex(DASH)}`, 'X');
    fc.assert(
      fc.property(fc.string({ minLength: 0, maxLength: 64 }), (token) => {
        fc.pre(token !== DASH);
        expect(findCredential(credentials, token)).toBeNull();
      }),
    );
    expect(findCredential(credentials, `${DASH}x`)).toBeNull();
    expect(findCredential(credentials, DASH.slice(0, -1))).toBeNull();
    expect(findCredential(credentials, hex(DASH))).toBeNull(); // the hash is not the token
  });
});

describe('legacyTokenCredentials (LEDGER_API_TOKENS)', () => {
  it('makes each token an unnamed credential with every scope, named by its hash', () => {
    const [c] = legacyTokenCredentials([DASH]);
    expect(c?.name).toBe(`token-${hex(DASH).slice(0, 8)}`);
    expect([...(c?.scopes ?? [])]).toEqual(['read', 'issue', 'admin']);
    expect(findCredential(legacyTokenCredentials([OPS, DASH]), DASH)?.name).toBe(c?.name);
  });
});

describe('credentialSetProblems', () => {
  it('refuses a name used twice and one token behind two names', () => {
    const { credentials } = parseApiCredentials(
      `a:read:${hex(DASH)},a:issue:${hex(OPS)},b:admin:${hex(DASH)}`,
      'X',
    );
    expect(credentialSetProblems(credentials)).toEqual([
      'credentials a and b have the same token: give each its own',
      'credential name a is used 2 times: names must be unique',
    ]);
  });
});
