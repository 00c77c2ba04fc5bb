/**
 * A Mosquitto of our own on a free loopback port, for tests that need a configuration the
 * shared one lacks (`set_tcp_nodelay true`) or a broker to stop. Stopped by its PID.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { brokerAnswers, waitForAsync } from './mosquitto.js';
import { freePort } from './ports.js';

export interface PrivateMosquitto {
  readonly url: string;
  readonly port: number;
  /** SIGSTOP: connections stay open, nothing is answered (a hung broker). */
  pause(): void;
  /** SIGCONT. */
  resume(): void;
  stop(): Promise<void>;
}

export async function startPrivateMosquitto(
  extraConfig: readonly string[] = [],
  /** A fixed port, e.g. to restart a broker where its clients expect it; default a free one. */
  fixedPort?: number,
): Promise<PrivateMosquitto> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ratchet-mosquitto-'));
  const port = fixedPort ?? (await freePort());
  const conf = path.join(dir, 'mosquitto.conf');
  await writeFile(
    conf,
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      'persistence false',
      'log_dest none',
      ...extraConfig,
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn('mosquitto', ['-c', conf], { stdio: 'ignore' });
  const exited = new Promise<void>((r) => {
    child.once('exit', () => r());
    child.once('error', () => r()); // e.g. ENOENT: surfaces below as "timed out waiting"
  });
  const url = `mqtt://127.0.0.1:${port}`;
  try {
    await waitForAsync(() => brokerAnswers(url, 200), `private mosquitto on port ${port}`, 5000);
  } catch (e) {
    child.kill('SIGTERM');
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
  return {
    url,
    port,
    pause: () => {
      if (child.exitCode === null) child.kill('SIGSTOP');
    },
    resume: () => {
      if (child.exitCode === null) child.kill('SIGCONT');
    },
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGCONT');
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}
