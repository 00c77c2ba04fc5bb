import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  type EventStore,
  createPgliteEventStore,
  createPostgresEventStore,
} from '@ratchet/event-store';
import {
  createTestDatabase,
  isPostgresReachable,
  postgresRequired,
  postgresServerUrl,
  type TestDatabase,
} from '@ratchet/event-store/testing';
import { eventIdFor, streamOf } from '@ratchet/lifecycle';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runCli } from './cli.js';
import type { CliIo } from './io.js';

const T0 = Date.parse('2026-03-01T12:00:00.000Z');
const at = (s: number) => new Date(T0 + s * 1000).toISOString();

/** Runs the CLI in-process against `env`, capturing what it prints. */
const cli = async (env: Record<string, string>, ...argv: string[]) => {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    out: (line) => void out.push(line),
    err: (line) => void err.push(line),
    errRaw: () => undefined,
    errIsTTY: false,
    env,
    now: () => Date.now(),
  };
  const code = await runCli(argv, io);
  return { code, out: out.join('\n'), err: err.join('\n'), lines: out };
};

const requestedData = (id: string, deviceId: string, s: number) => ({
  commandId: id,
  deviceId,
  name: 'set-speed',
  payload: { rpm: 1 },
  requestedAt: at(s),
  ackTimeoutMs: 1000,
  timeoutMs: 5000,
  expiresInMs: 60_000,
  retry: { maxAttempts: 1, on: [] },
  attempt: 1,
  retryOf: null,
  rootCommandId: id,
  fingerprint: 'f',
});

/** An executed command, one that timed out and then got its result, and a broken stream. */
const seed = async (store: EventStore, deviceId: string) => {
  const append = async (id: string, events: [string, Record<string, unknown>][]) => {
    for (const [type, data] of events) {
      await store.append(streamOf(id), [{ id: eventIdFor(id, type as never), type, data }], 'any');
    }
  };
  const requested = (id: string, s: number) =>
    ['CommandRequested', requestedData(id, deviceId, s)] as [string, Record<string, unknown>];
  const [executed, late, broken] = [randomUUID(), randomUUID(), randomUUID()];
  await append(executed, [
    requested(executed, 0),
    ['CommandSent', { at: at(1) }],
    ['CommandExecuted', { at: at(2), output: { ok: true } }],
  ]);
  await append(late, [
    requested(late, 10),
    ['CommandSent', { at: at(11) }],
    ['CommandTimedOut', { at: at(16), stage: 'result' }],
    ['CommandLateResultObserved', { at: at(20), status: 'executed', error: null }],
  ]);
  return {
    executed,
    late,
    broken,
    breakIt: () =>
      append(broken, [
        requested(broken, 30),
        ['CommandExecuted', { at: at(31) }],
        ['CommandFailed', { at: at(32), error: 'x' }],
      ]),
  };
};

describe('ledger CLI: input', () => {
  it('lists every command with --help, and exits 0', async () => {
    const { code, out } = await cli({}, '--help');
    expect(code).toBe(0);
    for (const c of [
      'projections status',
      'projections rebuild',
      'verify',
      'audit device',
      'audit issuer',
      'audit late-results',
      'export command',
      'export device',
    ]) {
      expect(out).toContain(c);
    }
  });

  it.each([
    [['frobnicate'], 'unknown command: frobnicate'],
    [['projections', 'explode'], 'unknown command: projections explode'],
    [['verify', '--jsn'], 'unknown option --jsn'],
    [['verify', 'now'], 'unexpected argument "now"'],
    [['audit', 'device'], 'missing argument'],
    [
      ['audit', 'device', 'pump-1', '--from', 'yesterday'],
      '--from yesterday: not an ISO 8601 time',
    ],
    [['audit', 'device', 'pump-1', '--from'], '--from needs a value'],
    [['projections', 'rebuild', 'state_topic'], 'no projection named "state_topic" can be rebuilt'],
  ])(
    'refuses %j with a clear message and exit code 2, before opening any store',
    async (argv, message) => {
      const { code, err } = await cli({ LEDGER_DATA_DIR: '/nonexistent' }, ...argv);
      expect(code).toBe(2);
      expect(err).toContain(message);
    },
  );

  it('exits 2 on invalid configuration, naming the variable', async () => {
    const { code, err } = await cli({ LEDGER_STORE: 'mongodb' }, 'verify');
    expect(code).toBe(2);
    expect(err).toContain('LEDGER_STORE=mongodb');
  });

  it('exits 3 when the store is not there', async () => {
    const missing = await cli(
      { LEDGER_DATA_DIR: join(tmpdir(), `none-${randomUUID()}`) },
      'verify',
    );
    expect(missing.code).toBe(3);
    expect(missing.err).toContain('no embedded store');
    const down = await cli(
      { LEDGER_STORE: 'postgres', DATABASE_URL: 'postgres://postgres@127.0.0.1:1/nothing' },
      'verify',
    );
    expect(down.code).toBe(3);
    expect(down.err).toContain('PostgreSQL at postgres://postgres@127.0.0.1:1/nothing');
  });

  it('the built CLI, run as the `ratchet` bin (npx ratchet), exits with the same codes and prints only its own output', async () => {
    // The link npm made at install time, to the committed shim that loads dist/cli/main.js.
    const bin = resolve('node_modules/.bin/ratchet');
    if (!existsSync(resolve('apps/ledger/dist/cli/main.js')))
      throw new Error('apps/ledger/dist is missing: npm run build first (npm ci and npm test do)');
    const run = (...argv: string[]) =>
      new Promise<{ code: number | null; stdout: string; stderr: string }>((done) => {
        const child = execFile(bin, argv, (error, stdout, stderr) =>
          done({ code: error ? (child.exitCode ?? 1) : 0, stdout, stderr }),
        );
      });
    const help = await run('--help');
    expect(help.code).toBe(0);
    expect(help.stdout.startsWith('Ratchet ledger: operator tools.')).toBe(true);
    const unknown = await run('frobnicate');
    expect(unknown.code).toBe(2);
    expect(unknown.stdout).toBe('');
    expect(unknown.stderr).toContain('unknown command: frobnicate');
  });
});

const server = postgresServerUrl();
const reachable = await isPostgresReachable(server);
const describePostgres = reachable || postgresRequired() ? describe : describe.skip;

describePostgres(`ledger CLI on PostgreSQL${reachable ? '' : ` (no server at ${server})`}`, () => {
  let database: TestDatabase;
  let store: EventStore;
  let env: Record<string, string>;
  let ids: Awaited<ReturnType<typeof seed>>;

  beforeAll(async () => {
    if (!reachable) throw new Error(`CI=true and PostgreSQL does not answer at ${server}`);
    database = await createTestDatabase('cli');
    store = await createPostgresEventStore({ connectionString: database.url });
    env = { LEDGER_STORE: 'postgres', DATABASE_URL: database.url };
    ids = await seed(store, 'cli-pump');
  });
  afterAll(async () => {
    await store?.close();
    await database?.drop();
  });

  it('rebuilds, reports the projections, and verifies a healthy ledger (exit 0)', async () => {
    for (const name of ['command_status', 'device_summary']) {
      const rebuilt = await cli(env, 'projections', 'rebuild', name);
      expect(rebuilt.code).toBe(0);
      const version = name === 'command_status' ? 2 : 1;
      expect(rebuilt.out).toContain(`rebuilt ${name} (version ${version}) from 7 events`);
    }
    const status = await cli(env, 'projections', 'status', '--json');
    expect(status.code).toBe(0);
    const projections = JSON.parse(status.out) as { name: string; lag: { events: number } }[];
    expect(projections.map((p) => [p.name, p.lag.events])).toEqual(
      expect.arrayContaining([
        ['command_status', 0],
        ['device_summary', 0],
      ]),
    );
    const verified = await cli(env, 'verify');
    expect(verified.code).toBe(0);
    expect(verified.out).toContain('OK: nothing found');
  });

  it('audits a device, finds late results, and exports histories as JSON lines', async () => {
    const device = await cli(
      env,
      'audit',
      'device',
      'cli-pump',
      '--from',
      at(5),
      '--to',
      at(100),
      '--json',
    );
    expect(device.code).toBe(0);
    const entries = device.lines.map(
      (l) => JSON.parse(l) as { command: { commandId: string }; events: unknown[] },
    );
    expect(entries.map((e) => [e.command.commandId, e.events.length])).toEqual([[ids.late, 4]]);
    const late = await cli(env, 'audit', 'late-results');
    expect(late.code).toBe(0);
    expect(late.out).toContain(ids.late);
    expect(late.out).toContain('late result executed');
    const command = await cli(env, 'export', 'command', ids.executed);
    expect(command.lines.map((l) => (JSON.parse(l) as { type: string }).type)).toEqual([
      'CommandRequested',
      'CommandSent',
      'CommandExecuted',
    ]);
    const all = await cli(env, 'export', 'device', 'cli-pump');
    expect(all.lines).toHaveLength(7);
    const nothing = await cli(env, 'export', 'command', randomUUID());
    expect(nothing.code).toBe(3);
  });

  it('audits an issuer: the commands it requested in a range, and who caused each event', async () => {
    const [mine, early, theirs] = [randomUUID(), randomUUID(), randomUUID()];
    const request = async (id: string, s: number, issuedBy: string) => {
      await store.append(
        streamOf(id),
        [
          {
            id: eventIdFor(id, 'CommandRequested'),
            type: 'CommandRequested',
            data: { ...requestedData(id, 'cli-lock', s) },
            metadata: { correlationId: id, causationId: null, issuedBy },
          },
        ],
        'no_stream',
      );
    };
    await request(mine, 40, 'ops');
    await request(early, 1, 'ops');
    await request(theirs, 41, 'dashboard');
    await store.append(
      streamOf(mine),
      [
        {
          id: eventIdFor(mine, 'CommandCancelled'),
          type: 'CommandCancelled',
          data: { at: at(42), reason: 'wrong door' },
          metadata: { correlationId: mine, causationId: null, issuedBy: 'night-shift' },
        },
      ],
      0n,
    );
    expect((await cli(env, 'projections', 'rebuild', 'command_status')).code).toBe(0);
    const human = await cli(env, 'audit', 'issuer', 'ops', '--from', at(30), '--to', at(100));
    expect(human.code).toBe(0);
    expect(human.out).toContain(mine);
    expect(human.out).not.toContain(early);
    expect(human.out).not.toContain(theirs);
    expect(human.out).toMatch(/CommandRequested\s+by ops/);
    expect(human.out).toMatch(/CommandCancelled\s+by night-shift/);
    expect(human.out).toContain('1 command');
    const json = await cli(env, 'audit', 'issuer', 'ops', '--json');
    const entries = json.lines.map(
      (l) => JSON.parse(l) as { command: { commandId: string }; events: unknown[] },
    );
    expect(entries.map((e) => e.command.commandId)).toEqual([early, mine]);
    const bad = await cli(env, 'audit', 'issuer', 'ops', '--from', at(50), '--to', at(10));
    expect(bad.code).toBe(2);
  });

  it('exits 1 when verify finds a broken stream, and says what it found (also as JSON)', async () => {
    await ids.breakIt();
    const human = await cli(env, 'verify');
    expect(human.code).toBe(1);
    expect(human.out).toContain(`second_terminal            command ${ids.broken} revision 2`);
    expect(human.out).toContain('FAILED');
    const json = await cli(env, 'verify', '--json');
    expect(json.code).toBe(1);
    const report = JSON.parse(json.out) as { ok: boolean; violationCounts: Record<string, number> };
    expect(report.ok).toBe(false);
    expect(report.violationCounts).toEqual({ second_terminal: 1, illegal_transition: 1 });
  });
});

describe('ledger CLI on PGlite', () => {
  let dataDir: string;
  let holder: ChildProcess | undefined;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'ratchet-cli-'));
    const store = await createPgliteEventStore({ dataDir: join(dataDir, 'pglite') });
    await seed(store, 'cli-embedded');
    await store.close();
  });
  afterAll(async () => {
    if (holder?.pid) process.kill(holder.pid);
    await rm(dataDir, { recursive: true, force: true });
  });

  it('verifies the embedded store when no other process has it open', async () => {
    const env = { LEDGER_DATA_DIR: dataDir };
    expect((await cli(env, 'projections', 'rebuild', 'command_status')).code).toBe(0);
    const verified = await cli(env, 'verify');
    expect(verified.code).toBe(0);
    expect(verified.out).toContain('verified 7 events of 2 commands');
  });

  it('refuses, and says why, while another process (the service) has it open', async () => {
    // PGlite takes no lock: a second process would open the directory and corrupt it.
    const dir = join(dataDir, 'pglite');
    holder = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const { PGlite } = await import('@electric-sql/pglite');
         await PGlite.create(${JSON.stringify(dir)});
         console.log('open');
         setInterval(() => undefined, 1000);`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise<void>((opened, failed) => {
      holder?.stdout?.on('data', (chunk: Buffer) => chunk.toString().includes('open') && opened());
      holder?.once('exit', (code) => failed(new Error(`the holder exited with ${code}`)));
    });
    const refused = await cli({ LEDGER_DATA_DIR: dataDir }, 'verify');
    expect(refused.code).toBe(3);
    expect(refused.err).toContain(`is open in another process (pid ${holder.pid}`);
    expect(refused.err).toContain('stop the service first');
  });
});
