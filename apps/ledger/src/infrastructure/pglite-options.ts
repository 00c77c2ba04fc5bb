import { PGlite } from '@electric-sql/pglite';
import { execFile } from 'node:child_process';
import { access } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { PGLITE_PARSERS } from '@ratchet/event-store';
import type { LedgerConfig } from '../config/ledger-config.js';

/**
 * The embedded database as the service and the operator tool open it: int8 as bigint for the
 * whole instance (only Ratchet's drivers use it), and a page cache of the configured size.
 */
export const pgliteOptions = (config: Pick<LedgerConfig, 'pgliteSharedBuffersMb'>) => ({
  parsers: PGLITE_PARSERS,
  startParams: [
    ...PGlite.defaultStartParams,
    '-c',
    `shared_buffers=${config.pgliteSharedBuffersMb}MB`,
  ],
});

/**
 * Opens the service's PGlite data directory, creating it first when it is new. PGlite creates
 * one by running initdb in a second, temporary instance of its own; that instance's WebAssembly
 * memory and buffers (some 400 MiB) stay in the process until V8's next full collection, which
 * an idle service may not run for a long time (measured: 700 MiB resident after a first start,
 * 230 MiB after a later one). A short-lived child process creates the directory instead, and
 * takes that memory with it when it exits.
 */
export async function openPgliteDir(
  dir: string,
  config: Pick<LedgerConfig, 'pgliteSharedBuffersMb'>,
): Promise<PGlite> {
  if (!(await exists(join(dir, 'PG_VERSION')))) await createInChild(dir);
  return PGlite.create(dir, pgliteOptions(config));
}

const exists = (path: string): Promise<boolean> =>
  access(path).then(
    () => true,
    () => false,
  );

/** PGlite's CommonJS build, by path: the child runs a script given on its command line. */
const CREATE = `const { PGlite } = require(process.argv[1]);
PGlite.create(process.argv[2]).then((db) => db.close());`;

const createInChild = (dir: string): Promise<void> =>
  new Promise((resolvePromise, reject) => {
    const pglite = createRequire(import.meta.url).resolve('@electric-sql/pglite');
    execFile(
      process.execPath,
      ['--input-type=commonjs', '-e', CREATE, pglite, dir],
      { env: { ...process.env, NODE_OPTIONS: '' } },
      (error, _stdout, stderr) =>
        error
          ? reject(
              new Error(
                `creating the embedded database in ${dir} failed: ${stderr || error.message}`,
              ),
            )
          : resolvePromise(),
    );
  });
