/**
 * Starts the device fleet (apps/device-sim) in a child process and talks to it over IPC.
 * The child is killed at teardown if it has not closed by then.
 */
import { fork } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DeviceStats, FleetOptions } from '@ratchet/device-sim';
import { onTeardown, sleep, withTimeout } from './teardown.js';

/** What can cross the IPC channel: no logger, no callbacks. */
export type FleetProcessOptions = Omit<FleetOptions, 'logger' | 'onEvent' | 'now'>;

export type FleetRequest =
  | { readonly type: 'start'; readonly options: FleetProcessOptions }
  | { readonly type: 'stats' }
  /** When the intents of commands whose id starts with `prefix` reached their devices. */
  | { readonly type: 'intents'; readonly prefix: string }
  | { readonly type: 'close' };

export type FleetReply =
  | { readonly type: 'loaded' }
  | { readonly type: 'ready'; readonly connections: number }
  | { readonly type: 'failed'; readonly message: string }
  | { readonly type: 'stats'; readonly total: DeviceStats | null }
  | { readonly type: 'intents'; readonly entries: readonly [string, number][] };

export interface FleetProcess {
  readonly pid: number;
  readonly connections: number;
  stats(): Promise<DeviceStats | null>;
  /** Wall-clock ms at which each intent (command id → ms) reached its device; then forgotten. */
  intents(prefix: string): Promise<Map<string, number>>;
  close(): Promise<void>;
}

const WORKER = join(dirname(fileURLToPath(import.meta.url)), 'fleet-worker.js');

export async function startFleetProcess(options: FleetProcessOptions): Promise<FleetProcess> {
  const child = fork(WORKER, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const replies: FleetReply[] = [];
  const waiting: ((r: FleetReply) => void)[] = [];
  child.on('message', (m: FleetReply) => {
    const w = waiting.shift();
    if (w) w(m);
    else replies.push(m);
  });
  const next = (what: string, ms: number): Promise<FleetReply> =>
    withTimeout(
      new Promise<FleetReply>((resolve, reject) => {
        const r = replies.shift();
        if (r) return resolve(r);
        waiting.push(resolve);
        void exited.then(() => reject(new Error(`the fleet process exited (${what})`)));
      }),
      ms,
      `the fleet process (${what})`,
    );
  const stop = onTeardown(`stop the fleet (pid ${child.pid})`, async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    if (child.connected) child.send({ type: 'close' } satisfies FleetRequest);
    const late = await Promise.race([exited.then(() => false), sleep(5000).then(() => true)]);
    if (late) {
      child.kill('SIGKILL');
      await exited;
    }
  });
  await next('loading', 30_000);
  child.send({ type: 'start', options } satisfies FleetRequest);
  const started = await next('connecting', 60_000);
  if (started.type !== 'ready') {
    await stop();
    throw new Error(
      `the fleet did not start: ${started.type === 'failed' ? started.message : started.type}`,
    );
  }
  return {
    pid: child.pid!,
    connections: started.connections,
    stats: async () => {
      child.send({ type: 'stats' } satisfies FleetRequest);
      const r = await next('stats', 10_000);
      return r.type === 'stats' ? r.total : null;
    },
    intents: async (prefix) => {
      child.send({ type: 'intents', prefix } satisfies FleetRequest);
      const r = await next('intents', 30_000);
      return new Map(r.type === 'intents' ? r.entries : []);
    },
    close: stop,
  };
}
