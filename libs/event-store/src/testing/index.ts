export { describeEventStoreContract } from './event-store.contract.js';
export type { EventStoreCapabilities, EventStoreFixture, HeldAppend } from './contract/fixture.js';
export { newEvent, newEvents, Receiver, TIMEOUT, unique } from './contract/helpers.js';
export {
  createTestDatabase,
  isPostgresReachable,
  postgresRequired,
  postgresServerUrl,
} from './postgres-test-database.js';
export type { TestDatabase } from './postgres-test-database.js';
