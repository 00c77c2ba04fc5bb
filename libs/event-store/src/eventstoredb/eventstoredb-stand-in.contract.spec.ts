/**
 * The shared EventStore contract run over the adapter with an IN-MEMORY STAND-IN for the
 * EventStoreDB client (no server can run on the build machines). It checks the adapter's own
 * logic end to end: mapping, paging, filtering, subscription close, re-send detection. It
 * says nothing about a real server: `eventstoredb-event-store.int-spec.ts` does, when
 * EVENTSTORE_URL is set.
 */
import type { EventStore } from '../event-store.port.js';
import { describeEventStoreContract } from '../testing/index.js';
import { eventStoreOverEsdbClient } from './eventstoredb-event-store.js';
import { InMemoryEsdbClient } from './testing/in-memory-esdb-client.js';

describeEventStoreContract(
  'EventStoreDB adapter over an in-memory client stand-in (no server can run here; not EventStoreDB)',
  async () => {
    const client = new InMemoryEsdbClient();
    const open = (): EventStore => eventStoreOverEsdbClient(client, { readPageSize: 4 });
    let store = open();
    return {
      store,
      reopen: async () => {
        await store.close();
        store = open();
        return store;
      },
      cleanup: () => store.close(),
    };
  },
  {
    supportsAppendMany: false,
    canReopen: true,
    canForceLateCommit: false,
    lateCommitSkipReason: 'EventStoreDB clients cannot hold a write open; $all is in commit order',
  },
);
