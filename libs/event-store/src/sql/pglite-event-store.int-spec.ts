import { describe, expect, it } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventStore } from '../event-store.port.js';
import type { EventStoreFixture } from '../testing/index.js';
import { describeEventStoreContract, newEvents, unique } from '../testing/index.js';
import { createPgliteEventStore } from './pglite-event-store.js';

/** One data directory for the whole file: creating one takes seconds. */
const setup = async (): Promise<EventStoreFixture> => {
  const dataDir = await mkdtemp(join(tmpdir(), 'ratchet-pglite-'));
  const open = () =>
    createPgliteEventStore({ dataDir, pollIntervalMs: 50, subscriptionBatchSize: 16 });
  let store: EventStore = await open();
  return {
    store,
    reopen: async () => {
      await store.close();
      store = await open();
      return store;
    },
    cleanup: async () => {
      await store.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
};

describeEventStoreContract('PGlite', setup, {
  supportsAppendMany: true,
  canReopen: true,
  canForceLateCommit: false,
  lateCommitSkipReason:
    'PGlite is one connection that runs one transaction at a time, so transactions commit in the order they took their positions',
});

describe('PGlite event store in memory', () => {
  it('needs no directory', async () => {
    const store = await createPgliteEventStore({ memory: true });
    try {
      const stream = unique('memory');
      await store.append(stream, newEvents(2), 'no_stream');
      expect((await store.readStream(stream)).map((e) => e.revision)).toEqual([0n, 1n]);
      await store.ping();
    } finally {
      await store.close();
    }
  });

  it('reads bigints from an instance given with parsers of its own, and leaves them to it', async () => {
    const { PGlite } = await import('@electric-sql/pglite');
    const pglite = await PGlite.create({ parsers: { 20: (v: string) => `int8 ${v}` } });
    const store = await createPgliteEventStore({ pglite });
    try {
      const stream = unique('given');
      await store.append(stream, newEvents(2), 'no_stream');
      expect((await store.readStream(stream)).map((e) => e.revision)).toEqual([0n, 1n]);
      const [first] = await store.readAll({ limit: 1 });
      expect(typeof first!.revision).toBe('bigint');
      expect((await pglite.query<{ n: unknown }>('SELECT 7::int8 AS n')).rows[0]!.n).toBe('int8 7');
    } finally {
      await store.close();
      await pglite.close();
    }
  });
});
