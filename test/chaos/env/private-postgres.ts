/**
 * A PostgreSQL cluster of the run's own: a fresh `initdb` on a free loopback port, so that the
 * chaos run can stop and restart it without touching any other database on the machine.
 */
import { spawnSync } from 'node:child_process';
import { chown, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from './free-port.js';
import { pgBinary, isRoot, runAsPostgres, runAsPostgresAsync } from './postgres-binaries.js';
import { isShuttingDown, type Resource } from './cleanup.js';

export interface PrivatePostgres extends Resource {
  readonly url: string;
  readonly port: number;
  readonly logPath: string;
  start(): Promise<void>;
  /** `pg_ctl stop -m fast`: sessions are ended, a checkpoint is written. */
  stopFast(): Promise<void>;
}

/**
 * fsync off: the run never crashes PostgreSQL itself (fast shutdown writes a checkpoint) nor the
 * machine, and the 2-core machines are the bottleneck; durability on power loss is not tested.
 */
const SERVER_SETTINGS = [
  'listen_addresses=127.0.0.1',
  'fsync=off',
  'full_page_writes=off',
  'max_connections=200',
  'shared_buffers=128MB',
  'log_min_messages=warning',
];

const idOf = (flag: '-u' | '-g'): number =>
  Number(spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' }).stdout.trim());

export async function createPrivatePostgres(runDir: string): Promise<PrivatePostgres> {
  const dir = join(runDir, 'pg');
  const data = join(dir, 'data');
  const logPath = join(dir, 'postgres.log');
  await mkdir(dir, { recursive: true });
  if (isRoot()) await chown(dir, idOf('-u'), idOf('-g'));
  const init = await runAsPostgresAsync(pgBinary('initdb'), [
    '-D',
    data,
    '-A',
    'trust',
    '-U',
    'postgres',
    '-E',
    'UTF8',
    '--locale=C',
    '--no-sync',
  ]);
  if (init.status !== 0) throw new Error(`initdb failed:\n${init.output}`);
  const port = await freePort();
  const options = [`-p ${port}`, `-k ${dir}`, ...SERVER_SETTINGS.map((s) => `-c ${s}`)].join(' ');
  const pgCtl = (args: string[]) => runAsPostgresAsync(pgBinary('pg_ctl'), ['-D', data, ...args]);
  const stop = async (mode: 'fast' | 'immediate') => {
    const r = await pgCtl(['-m', mode, '-w', '-t', '60', 'stop']);
    if (r.status !== 0 && !/Is server running\?|No such file/.test(r.output))
      throw new Error(`pg_ctl stop -m ${mode} failed:\n${r.output}`);
  };
  return {
    name: `PostgreSQL on port ${port}`,
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    logPath,
    start: async () => {
      // After the run's clean-up began, a fault's restart must not bring it back behind it.
      if (isShuttingDown()) throw new Error('the run is shutting down');
      const r = await pgCtl(['-l', logPath, '-o', options, '-w', '-t', '60', 'start']);
      if (r.status !== 0) throw new Error(`pg_ctl start failed:\n${r.output}`);
    },
    stopFast: () => stop('fast'),
    stop: () => stop('immediate'),
    stopSync: () => {
      runAsPostgres(pgBinary('pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']);
    },
  };
}
