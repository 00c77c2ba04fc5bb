/**
 * What a lifecycle run stands on: a fresh PostgreSQL database, a private Mosquitto, and the
 * built service as a child process. Each registers its own teardown when it starts.
 * (test/support and the libraries' testing/ folders are not built into dist/, hence these.)
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { onTeardown, sleep } from './teardown.js';

/** test/dist/bench/lifecycle → apps/ledger/dist/main.js: what `npm start` runs. */
const LEDGER_MAIN = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '../../../../apps/ledger/dist/main.js',
);

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

export async function tempDir(label: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `ratchet-bench-${label}-`));
  onTeardown(`remove ${dir}`, () => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Resolves once `port` accepts TCP connections, or throws after `ms`. */
async function waitForPort(port: number, ms: number, what: string, exited: () => boolean) {
  const deadline = Date.now() + ms;
  for (;;) {
    const open = await new Promise<boolean>((r) => {
      const socket = connect({ host: '127.0.0.1', port });
      socket.once('connect', () => (socket.destroy(), r(true)));
      socket.once('error', () => r(false));
    });
    if (open) return;
    if (exited()) throw new Error(`${what} exited before listening`);
    if (Date.now() > deadline) throw new Error(`${what} did not listen on ${port} in ${ms} ms`);
    await sleep(50);
  }
}

/** Stops a child: `signal`, then SIGKILL if it is still there after `graceMs`. */
async function stopChild(child: ChildProcess, exited: Promise<unknown>, graceMs: number) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const late = await Promise.race([exited.then(() => false), sleep(graceMs).then(() => true)]);
  if (late) {
    child.kill('SIGKILL');
    await exited;
  }
}

export interface Broker {
  readonly url: string;
  readonly pid: number;
}

/**
 * A Mosquitto of our own on a free loopback port, configured as the ledger's broker should be
 * (README, operating notes): Nagle off, no queue limit, no in-flight limit.
 */
export async function startMosquitto(): Promise<Broker> {
  const dir = await tempDir('mosquitto');
  const port = await freePort();
  const conf = join(dir, 'mosquitto.conf');
  await writeFile(
    conf,
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      'persistence false',
      'log_dest none',
      'set_tcp_nodelay true',
      'max_queued_messages 0',
      'max_inflight_messages 0',
      '',
    ].join('\n'),
  );
  const child = spawn('mosquitto', ['-c', conf], { stdio: 'ignore' });
  const exited = new Promise<void>((r) => {
    child.once('exit', () => r());
    child.once('error', () => r()); // ENOENT: reported below as "exited before listening"
  });
  onTeardown(`stop mosquitto (pid ${child.pid})`, () => stopChild(child, exited, 3000));
  await waitForPort(port, 5000, 'mosquitto', () => child.exitCode !== null || !child.pid);
  return { url: `mqtt://127.0.0.1:${port}`, pid: child.pid! };
}

export interface Database {
  readonly name: string;
  readonly url: string;
}

/** The server: DATABASE_URL if set, else the local trust-auth cluster. */
export const postgresServerUrl = (): string =>
  process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

const adminQuery = async (sql: string): Promise<void> => {
  const client = new pg.Client({
    connectionString: postgresServerUrl(),
    connectionTimeoutMillis: 5000,
  });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
};

/** A database of its own, dropped (FORCE: whatever is still connected) at teardown. */
export async function createDatabase(): Promise<Database> {
  const name = `ratchet_bench_lifecycle_${randomUUID().slice(0, 8)}`;
  await adminQuery(`CREATE DATABASE "${name}"`);
  onTeardown(`drop database ${name}`, () =>
    adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
  );
  const url = new URL(postgresServerUrl());
  url.pathname = `/${name}`;
  return { name, url: url.toString() };
}

export interface Ledger {
  readonly httpUrl: string;
  readonly pid: number;
  /** The last lines it wrote (stdout is otherwise discarded). */
  readonly tail: () => string;
  /** SIGTERM (a graceful shutdown, which also writes a --cpu-prof profile), SIGKILL after 10 s. */
  stop(): Promise<void>;
}

/** Variables that would change the mode under test if inherited from the caller's shell. */
const MODE_VARIABLES = [
  'LEDGER_STORE',
  'DATABASE_URL',
  'EVENTSTORE_URL',
  'MQTT_URL',
  'MQTT_EMBEDDED_PORT',
  'MQTT_SHARED_GROUP',
  'LEDGER_DATA_DIR',
  'HTTP_PORT',
  'HTTP_HOST',
  'LEDGER_API_TOKENS',
];

/**
 * Spawns `node apps/ledger/dist/main.js` with exactly `env` for the mode variables and
 * waits for /health/ready. It logs every command at info level: stdout is piped and discarded
 * (only a short tail is kept for error messages).
 */
export async function spawnLedger(
  env: Record<string, string>,
  nodeArgs: readonly string[] = [],
): Promise<Ledger> {
  const port = await freePort();
  const base = { ...process.env };
  for (const k of MODE_VARIABLES) delete base[k];
  const child = spawn(process.execPath, [...nodeArgs, LEDGER_MAIN], {
    env: { ...base, HTTP_PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let tail = '';
  const keep = (d: Buffer): void => {
    tail = (tail + d.toString()).slice(-4000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((r) => {
    child.once('exit', () => r());
    child.once('error', () => r());
  });
  const stop = onTeardown(`stop the ledger (pid ${child.pid})`, () =>
    stopChild(child, exited, 10_000),
  );
  const httpUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null || !child.pid)
      throw new Error(`the ledger exited with ${child.exitCode}:\n${tail}`);
    const ready = await fetch(`${httpUrl}/health/ready`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) throw new Error(`the ledger was not ready in 60 s:\n${tail}`);
    await sleep(100);
  }
  return { httpUrl, pid: child.pid, tail: () => tail, stop };
}
