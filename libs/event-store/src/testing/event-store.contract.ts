import { afterAll, beforeAll, describe } from '@jest/globals';
import type { EventStore } from '../event-store.port.js';
import { appendManyCases } from './contract/append-many.cases.js';
import { appendCases } from './contract/append.cases.js';
import { concurrencyCases } from './contract/concurrency.cases.js';
import type {
  ContractContext,
  EventStoreCapabilities,
  EventStoreFixture,
} from './contract/fixture.js';
import { persistenceCases } from './contract/persistence.cases.js';
import { readCases } from './contract/read.cases.js';
import { subscribeCases } from './contract/subscribe.cases.js';

/**
 * The one contract every EventStore adapter passes. Call it at the top level of an adapter's
 * `*.int-spec.ts`. `setup` runs once for the whole suite (opening a store can be slow): cases
 * keep apart by using stream names of their own, never by emptying the store.
 */
export const describeEventStoreContract = (
  name: string,
  setup: () => Promise<EventStoreFixture>,
  capabilities: EventStoreCapabilities,
): void => {
  describe(`${name} (EventStore contract)`, () => {
    let fixture: EventStoreFixture | undefined;
    let current: EventStore | undefined;

    beforeAll(async () => {
      fixture = await setup();
      current = fixture.store;
    });

    afterAll(async () => {
      await fixture?.cleanup();
    });

    const requireFixture = (): EventStoreFixture => {
      if (!fixture) throw new Error('the fixture failed to set up');
      return fixture;
    };

    const context: ContractContext = {
      store: () => {
        if (!current) throw new Error('the fixture failed to set up');
        return current;
      },
      fixture: requireFixture,
      reopen: async () => {
        const { reopen } = requireFixture();
        if (!reopen) throw new Error('canReopen needs fixture.reopen');
        current = await reopen();
        return current;
      },
      capabilities,
    };

    appendCases(context);
    concurrencyCases(context);
    appendManyCases(context);
    readCases(context);
    subscribeCases(context);
    persistenceCases(context);
  });
};
