/**
 * A Mosquitto of the run's own on a free loopback port (Nagle off, MQTT 5, no per-client queue
 * limits, persistent across its restarts), restartable on the same port so that every client finds it again. A copy of the few
 * lines of libs/mqtt/src/testing/private-mosquitto.ts: the build leaves testing folders out.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { chown, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isShuttingDown, type Resource } from './cleanup.js';
import { freePort, portAnswers, until } from './free-port.js';

export interface PrivateMosquitto extends Resource {
  readonly url: string;
  readonly port: number;
  readonly logPath: string;
  start(): Promise<void>;
  /** SIGTERM, as a broker restart: it saves its sessions and queued messages first. */
  stopGracefully(): Promise<void>;
}

export async function createPrivateMosquitto(
  runDir: string,
  onChild: (pid: number) => Promise<void>,
): Promise<PrivateMosquitto> {
  const dir = join(runDir, 'mosquitto');
  await mkdir(dir, { recursive: true });
  // Started as root, Mosquitto drops to its own user, which must be able to write its database.
  if (process.getuid?.() === 0) {
    const id = (flag: string) =>
      Number(spawnSync('id', [flag, 'mosquitto'], { encoding: 'utf8' }).stdout.trim());
    if (Number.isInteger(id('-u')) && id('-u') > 0) await chown(dir, id('-u'), id('-g'));
  }
  const port = await freePort();
  const conf = join(dir, 'mosquitto.conf');
  const logPath = join(dir, 'mosquitto.log');
  await writeFile(
    conf,
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      // Saved on SIGTERM and loaded at start: a broker restart keeps sessions and their queued
      // messages, so a device answer missing from the ledger was lost by the ledger, not here.
      'persistence true',
      `persistence_location ${dir}/`,
      'autosave_interval 0',
      'set_tcp_nodelay true',
      // The ledger holds PUBACKs until its appends commit: a burst must not be dropped meanwhile.
      'max_queued_messages 0',
      'max_inflight_messages 0',
      'log_dest stderr',
      // CHAOS_BROKER_LOG=all logs every PUBLISH and PUBACK: what reached the broker, and whom.
      ...(process.env.CHAOS_BROKER_LOG === 'all'
        ? ['log_type all']
        : ['log_type error', 'log_type warning', 'log_type notice']),
      'log_timestamp_format %Y-%m-%dT%H:%M:%S',
      '',
    ].join('\n'),
  );
  const log: WriteStream = createWriteStream(logPath, { flags: 'a' });
  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();
  const stopWith = async (signal: NodeJS.Signals) => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    c.kill(signal);
    await exited;
    child = null;
  };
  return {
    name: `Mosquitto on port ${port}`,
    url: `mqtt://127.0.0.1:${port}`,
    port,
    logPath,
    start: async () => {
      // After the run's clean-up began, a fault's restart must not bring it back behind it.
      if (isShuttingDown()) throw new Error('the run is shutting down');
      const c = spawn('mosquitto', ['-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
      child = c;
      c.stdout!.pipe(log, { end: false });
      c.stderr!.pipe(log, { end: false });
      exited = new Promise<void>((r) => {
        c.once('exit', () => r());
        c.once('error', () => r());
      });
      if (c.pid !== undefined) await onChild(c.pid);
      // The port may still be held for a moment by the previous broker's listening socket.
      const up = await until(() => portAnswers(port, 200), 10_000, 50);
      if (!up || c.exitCode !== null) {
        c.kill('SIGKILL');
        throw new Error(`Mosquitto did not start on port ${port} (see ${logPath})`);
      }
    },
    stopGracefully: () => stopWith('SIGTERM'),
    stop: async () => {
      await stopWith('SIGTERM');
      log.end();
    },
    stopSync: () => {
      child?.kill('SIGKILL');
    },
  };
}
