import { describe, expect, it } from '@jest/globals';
import { EventStoreDBClient } from '@eventstore/db-client';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, KNOWN_VARIABLES, loadConfig } from './ledger-config.js';

const problemsOf = (env: Record<string, string>): readonly string[] => {
  try {
    loadConfig(env);
    return [];
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
};

describe('KNOWN_VARIABLES', () => {
  it('is exactly the set of variables loadConfig reads', () => {
    const read = new Set<string>();
    const spy = new Proxy({} as Record<string, string | undefined>, {
      get: (_, name) => {
        if (typeof name === 'string') read.add(name);
        return undefined;
      },
    });
    loadConfig(spy);
    expect([...read].sort()).toEqual([...KNOWN_VARIABLES].sort());
  });
});

describe('EVENTSTORE_URL', () => {
  it('accepts the schemes the EventStoreDB client parses, and refuses the others at once', () => {
    expect(
      problemsOf({ LEDGER_STORE: 'eventstoredb', EVENTSTORE_URL: 'esdb://k:2113?tls=false' }),
    ).toEqual([]);
    expect(
      problemsOf({ LEDGER_STORE: 'eventstoredb', EVENTSTORE_URL: 'kurrentdb://k:2113?tls=false' }),
    ).toEqual([expect.stringMatching(/^EVENTSTORE_URL=kurrentdb:.*esdb, esdb\+discover/)]);
  });

  it('(why) @eventstore/db-client 6 refuses kurrentdb:// at start-up', () => {
    expect(() => EventStoreDBClient.connectionString('kurrentdb://k:2113?tls=false')).toThrow();
    expect(() => EventStoreDBClient.connectionString('esdb://k:2113?tls=false')).not.toThrow();
  });
});

describe('LEDGER_API_TOKENS', () => {
  it('splits on commas and trims each token', () => {
    const config = loadConfig({
      LEDGER_API_TOKENS: ' first-token-0123456789 , second-token-0123456789 ',
    });
    expect(config.apiTokens).toEqual(['first-token-0123456789', 'second-token-0123456789']);
  });

  it('refuses a token no Authorization header could carry (spaces, non-ASCII)', () => {
    for (const token of ['has a space in it 0123456789', 'caf\u00e9-token-0123456789abc']) {
      expect(problemsOf({ LEDGER_API_TOKENS: token })).toEqual([
        expect.stringMatching(/visible ASCII/),
      ]);
    }
  });

  it('refuses a short token', () => {
    expect(problemsOf({ LEDGER_API_TOKENS: 'short' })).toEqual([
      expect.stringMatching(/at least 16/),
    ]);
  });
});

describe('LEDGER_API_CREDENTIALS and LEDGER_API_CREDENTIALS_FILE', () => {
  const hex = (t: string) => createHash('sha256').update(t).digest('hex');
  const dir = mkdtempSync(join(tmpdir(), 'ratchet-credentials-'));

  it('reads both together, with the deprecated tokens, and binds every interface', () => {
    const file = join(dir, 'ok');
    writeFileSync(
      file,
      `# name:scopes:sha256\nops:read+issue+admin:${hex('ops-token-0123456789')}\n`,
    );
    const config = loadConfig({
      LEDGER_API_CREDENTIALS: `dashboard:read:${hex('dash-token-0123456789')}`,
      LEDGER_API_CREDENTIALS_FILE: file,
      LEDGER_API_TOKENS: 'legacy-token-0123456789',
    });
    expect(config.apiCredentials.map((c) => c.name)).toEqual([
      'dashboard',
      'ops',
      `token-${hex('legacy-token-0123456789').slice(0, 8)}`,
    ]);
    expect(config.apiCredentialSources.file).toBe(file);
    expect(config.httpHost).toBe('0.0.0.0');
  });

  it('names a file that cannot be read, an empty one, and every bad entry at once', () => {
    const empty = join(dir, 'empty');
    writeFileSync(empty, '# nothing yet\n');
    expect(problemsOf({ LEDGER_API_CREDENTIALS_FILE: join(dir, 'absent') })).toEqual([
      `LEDGER_API_CREDENTIALS_FILE=${join(dir, 'absent')}: cannot be read (ENOENT)`,
    ]);
    expect(problemsOf({ LEDGER_API_CREDENTIALS_FILE: empty })).toEqual([
      `LEDGER_API_CREDENTIALS_FILE=${empty}: holds no credential`,
    ]);
    expect(
      problemsOf({
        LEDGER_API_CREDENTIALS: `a:read:${hex('x')},a:root:${hex('y')}`,
        LEDGER_API_TOKENS: 'short',
      }),
    ).toEqual([
      expect.stringMatching(/^LEDGER_API_CREDENTIALS entry 2 \(a\): scopes are/),
      expect.stringMatching(/^LEDGER_API_TOKENS: every token must be at least 16/),
    ]);
  });
});

describe('MQTT_INBOX_IN_FLIGHT', () => {
  it('defaults to 8 and takes 1 to 256', () => {
    expect(loadConfig({}).mqttInboxInFlight).toBe(8);
    expect(loadConfig({ MQTT_INBOX_IN_FLIGHT: '1' }).mqttInboxInFlight).toBe(1);
    expect(loadConfig({ MQTT_INBOX_IN_FLIGHT: '256' }).mqttInboxInFlight).toBe(256);
  });

  it('refuses 0, more than 256 and what is not a whole number, naming the variable', () => {
    for (const bad of ['0', '257', '2.5', 'many']) {
      expect(problemsOf({ MQTT_INBOX_IN_FLIGHT: bad }).join('\n')).toMatch(/MQTT_INBOX_IN_FLIGHT/);
    }
  });
});

describe('LEDGER_PGLITE_SHARED_BUFFERS_MB', () => {
  it('defaults to 32 and takes whole megabytes from 1 to 4096', () => {
    expect(loadConfig({}).pgliteSharedBuffersMb).toBe(32);
    expect(loadConfig({ LEDGER_PGLITE_SHARED_BUFFERS_MB: '128' }).pgliteSharedBuffersMb).toBe(128);
    for (const bad of ['0', '1.5', '16MB', '5000'])
      expect(problemsOf({ LEDGER_PGLITE_SHARED_BUFFERS_MB: bad })).toEqual([
        `LEDGER_PGLITE_SHARED_BUFFERS_MB=${bad}: must be a whole number from 1 to 4096`,
      ]);
  });
});
