/**
 * The shared EventStore contract against a real EventStoreDB / KurrentDB, only when
 * EVENTSTORE_URL is set (e.g. `esdb://localhost:2113?tls=false`, docker-compose has one).
 * No server can run on the build machines, so there this file skips, saying why, even under
 * CI=true: the adapter's own logic is covered by the `*.spec.ts` files beside it.
 */
import { describe, it } from '@jest/globals';
import type { EventStore } from '../event-store.port.js';
import { describeEventStoreContract } from '../testing/index.js';
import { createEventStoreDbEventStore } from './eventstoredb-event-store.js';

const url = process.env['EVENTSTORE_URL'];

if (url) {
  describeEventStoreContract(
    `EventStoreDB at ${url.replace(/\/\/[^@/]*@/, '//***@')}`,
    async () => {
      const open = (): Promise<EventStore> =>
        createEventStoreDbEventStore({ connectionString: url });
      let store = await open();
      await store.ping();
      return {
        store,
        reopen: async () => {
          await store.close();
          store = await open();
          return store;
        },
        // Streams are uniquely named per test; nothing to delete.
        cleanup: () => store.close(),
      };
    },
    {
      supportsAppendMany: false,
      canReopen: true,
      canForceLateCommit: false,
      lateCommitSkipReason:
        'EventStoreDB clients cannot hold a write open; $all is in commit order',
    },
  );
} else {
  describe('EventStoreDB event store (EventStore contract)', () => {
    it.skip('skipped: set EVENTSTORE_URL (e.g. esdb://localhost:2113?tls=false) to run the contract against a server', () =>
      undefined);
  });
}
