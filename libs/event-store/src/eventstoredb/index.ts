export {
  createEventStoreDbEventStore,
  eventStoreOverEsdbClient,
} from './eventstoredb-event-store.js';
export type { EventStoreDbEventStoreOptions } from './eventstoredb-event-store.js';
export type { EsdbClient, EsdbSubscription } from './eventstoredb-client.js';
export { UnreadableEventError, UnsupportedOperationError } from './eventstoredb-errors.js';
