import type { EventStore, NewEvent } from '../../event-store.port.js';

/** An append held open in its own transaction, to commit after later ones. */
export interface HeldAppend {
  commit(): Promise<void>;
  rollback(): Promise<void>;
}

/** What an adapter's test gives the contract suite: a store, and how to reach around it. */
export interface EventStoreFixture {
  readonly store: EventStore;
  /** Closes `store` (or the last reopened one) and opens the same data again. */
  readonly reopen?: () => Promise<EventStore>;
  /**
   * Appends `event` as revision 0 of the new stream `stream` in a transaction of its own and
   * keeps it open: its global position is taken now, its commit happens on `commit()`.
   * Required when `canForceLateCommit`.
   */
  readonly beginLateCommit?: (stream: string, event: NewEvent) => Promise<HeldAppend>;
  /** Closes whatever store is open and removes the data. */
  readonly cleanup: () => Promise<void>;
}

export interface EventStoreCapabilities {
  readonly supportsAppendMany: boolean;
  /** The fixture has `reopen`: run the durability case. */
  readonly canReopen: boolean;
  readonly canForceLateCommit: boolean;
  /** Shown in the name of the skipped late-commit case when it cannot be forced. */
  readonly lateCommitSkipReason?: string;
}

/** What each group of cases sees. `store()` changes after a reopen. */
export interface ContractContext {
  readonly store: () => EventStore;
  readonly fixture: () => EventStoreFixture;
  readonly reopen: () => Promise<EventStore>;
  readonly capabilities: EventStoreCapabilities;
}
