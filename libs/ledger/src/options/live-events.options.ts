/** The live stream of command transitions (`GET /events`); every field has a default. */
export interface LiveEventsSettings {
  /** A comment line at least this often (CONTRACT.md: at least every 15 s). */
  readonly heartbeatMs?: number;
  /** Unsent messages a client may have before it is dropped (default 2,000). */
  readonly maxQueuedPerClient?: number;
  /** The reconnection delay given to browsers (EventSource `retry`), default 2 s. */
  readonly retryMs?: number;
  /** How long the shared reader keeps running after the last client left (default 30 s). */
  readonly lingerMs?: number;
  /** Commands whose facts are kept in memory (default 10,000). */
  readonly factsCacheSize?: number;
}
