import { PGlite } from '@electric-sql/pglite';
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
