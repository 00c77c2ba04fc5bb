/**
 * The service as a separate process (the built `apps/ledger/dist/`, exactly what `npm start` runs), so a
 * test can kill -9 it in the middle of its work and start it again on the same data.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { freePort } from '@ratchet/mqtt/testing';
import { resolve } from 'node:path';

// Tests run from the repository root; `npm test` builds every package before Jest starts.
const MAIN = resolve(process.cwd(), 'apps/ledger/dist/main.js');

export interface LedgerProcess {
  readonly httpUrl: string;
  readonly output: () => string;
  http(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>; // eslint-disable-line @typescript-eslint/no-explicit-any
  kill(signal?: NodeJS.Signals): Promise<number | null>;
  /** Sends a signal without waiting for an exit (SIGHUP: reload). */
  signal(signal: NodeJS.Signals): void;
}

export async function spawnLedger(
  env: Record<string, string>,
  httpPort?: number,
): Promise<LedgerProcess> {
  const port = httpPort ?? (await freePort());
  const child: ChildProcess = spawn(process.execPath, [MAIN], {
    env: { ...process.env, HTTP_PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout!.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const httpUrl = `http://127.0.0.1:${port}`;
  const http: LedgerProcess['http'] = async (method, path, body) => {
    const res = await fetch(`${httpUrl}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return {
      status: res.status,
      body: text.startsWith('{') || text.startsWith('[') ? JSON.parse(text) : text,
    };
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`the ledger exited with ${child.exitCode}:\n${log}`);
    try {
      if ((await http('GET', '/health/ready')).status === 200) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the ledger did not become ready in 30 s:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    httpUrl,
    output: () => log,
    http,
    signal: (signal) => {
      child.kill(signal);
    },
    kill: async (signal = 'SIGKILL') => {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}
