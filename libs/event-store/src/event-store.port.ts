/**
 * The event store port. Every adapter (PostgreSQL, PGlite, EventStoreDB) implements it and
 * passes the one contract suite in `testing/`. Revisions are 0-based bigints; positions are
 * opaque strings that sort lexicographically in global-log order.
 */
export type Revision = bigint;

/** A place in the global log. Compare with `<` on strings; never parse outside the adapter. */
export type Position = string & { readonly __brand: 'Position' };

/**
 * `no_stream`: the stream must not exist (exclusive: of N concurrent creators one wins).
 * `any`: no check. A bigint: the revision of the stream's last event, as read by the caller.
 */
export type ExpectedRevision = 'no_stream' | 'any' | Revision;

export type EventMetadata = Readonly<Record<string, unknown>>;

export interface NewEvent {
  /** A UUID; deterministic where the input is, so a re-sent append is recognisable. */
  readonly id: string;
  readonly type: string;
  readonly data: Readonly<Record<string, unknown>>;
  readonly metadata?: EventMetadata;
}

export interface RecordedEvent {
  readonly stream: string;
  readonly revision: Revision;
  readonly id: string;
  readonly type: string;
  readonly data: Readonly<Record<string, unknown>>;
  readonly metadata: EventMetadata;
  readonly recordedAt: Date;
  readonly position: Position;
}

export interface AppendResult {
  readonly stream: string;
  /** The revision of the last event written: the expected revision for the next append. */
  readonly nextExpectedRevision: Revision;
  readonly position: Position;
}

export interface StreamAppend {
  readonly stream: string;
  readonly events: readonly NewEvent[];
  readonly expected: ExpectedRevision;
}

export interface ReadStreamOptions {
  /**
   * Inclusive: only events at or after this revision (the tail after a cached fold, or the
   * check that nothing followed a known revision). Absent: from the start.
   */
  readonly fromRevision?: Revision;
}

export interface ReadAllOptions {
  /** Exclusive: events strictly after this position. `null` or absent: from the start. */
  readonly after?: Position | null;
  /** Only streams whose name starts with this prefix, e.g. `command-`. */
  readonly streamPrefix?: string;
  /** At most this many events (adapters pick a default). */
  readonly limit?: number;
}

export interface SubscribeOptions {
  readonly after?: Position | null;
  readonly streamPrefix?: string;
  /**
   * For a store that polls (the SQL stores): the shortest time between two reads of the log,
   * so that the events of the interval arrive together (fewer, larger batches for the reader).
   * Default: the store's own (`subscriptionMinReadIntervalMs`). A store that pushes ignores it.
   */
  readonly minReadIntervalMs?: number;
}

/** Catch-up then live: an async iterable over the global log, in order, each event once. */
export interface Subscription extends AsyncIterable<RecordedEvent> {
  close(): Promise<void>;
}

export interface EventStore {
  append(
    stream: string,
    events: readonly NewEvent[],
    expected: ExpectedRevision,
  ): Promise<AppendResult>;
  /** Several streams in one atomic commit, each with its own expected revision. */
  appendMany(appends: readonly StreamAppend[]): Promise<AppendResult[]>;
  /** The stream (from `fromRevision` on, if given), oldest first; `[]` when it does not exist. */
  readStream(stream: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  /**
   * Resolves once `readAll` and subscriptions can see every event committed before the call.
   * The SQL stores read the log only below the oldest running transaction (so that nothing
   * can commit behind a reader's checkpoint): a reader that must not stop short of "now" (a
   * catch-up, a test, a tool) waits here first. EventStoreDB: at once.
   */
  settled(): Promise<void>;
  subscribeToAll(options?: SubscribeOptions): Subscription;
  /** Reachability, for readiness probes. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** DI token for the port. */
export const EVENT_STORE = Symbol.for('ratchet.EventStore');
