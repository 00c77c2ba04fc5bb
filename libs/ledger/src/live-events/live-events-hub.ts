import type { EventStore, Position, Subscription } from '@ratchet/event-store';
import { COMMAND_STREAM_PREFIX } from '@ratchet/lifecycle';
import { InvalidRequestError } from '../errors.js';
import type { LiveEventsSettings } from '../options/live-events.options.js';
import { CommandFactsCache } from './command-facts.js';
import { findHead } from './find-head.js';
import { type EndReason, LiveClient, type LiveSink } from './live-client.js';
import type { LiveEventsFilter } from './live-events-filter.js';
import { toLiveTransition } from './live-transition.js';
import { renderRetry } from './sse-format.js';

export interface LiveEventsObserver {
  opened(): void;
  closed(reason: EndReason | 'left'): void;
  sent(): void;
  readerFailed(error: unknown): void;
}

const CATCH_UP_PAGE = 500;

/**
 * `GET /events` for every client of this process from ONE reader of the global log. The
 * reader starts with the first client, at the head of the log, and stops a while after the
 * last one left. It offers each event to every client synchronously; each client queues what
 * it cannot send yet and is dropped when that queue is full, so a slow client never holds the
 * reader, the other clients or the ledger. A client that resumes (`Last-Event-ID`) first reads
 * the log itself from that position, then joins the shared reader without a gap or a repeat.
 */
export class LiveEventsHub {
  readonly #clients = new Set<LiveClient>();
  readonly #facts: CommandFactsCache;
  readonly #heartbeatMs: number;
  readonly #maxQueued: number;
  readonly #retryMs: number;
  readonly #lingerMs: number;
  /** The last command event the shared reader handed out (or the head it started at). */
  #position: Position | null = null;
  #reader: { readonly subscription: Subscription; readonly done: Promise<void> } | null = null;
  #starting: Promise<void> | null = null;
  #linger: NodeJS.Timeout | null = null;
  #heartbeat: NodeJS.Timeout | null = null;
  #closed = false;

  constructor(
    private readonly store: Pick<EventStore, 'readAll' | 'readStream' | 'subscribeToAll'>,
    private readonly observer: LiveEventsObserver,
    /** A recent position of the log to look for the head from (a projection's), if any. */
    private readonly headHint: () => Position | null = () => null,
    settings: LiveEventsSettings = {},
  ) {
    this.#facts = new CommandFactsCache(store, settings.factsCacheSize ?? 10_000);
    this.#heartbeatMs = settings.heartbeatMs ?? 15_000;
    this.#maxQueued = settings.maxQueuedPerClient ?? 2_000;
    this.#retryMs = settings.retryMs ?? 2_000;
    this.#lingerMs = settings.lingerMs ?? 30_000;
  }

  get clients(): number {
    return this.#clients.size;
  }

  /** Whether the shared reader runs (it is shared: at most one per hub). */
  get reading(): boolean {
    return this.#reader !== null;
  }

  /**
   * Checks `lastEventId` (a position of this log, or absent) and makes sure the shared reader
   * runs, then calls `begin` (which sends the response's headers and returns it) and streams
   * to it. Throws `LedgerError('invalid_request')` before `begin`, so the caller can answer 400.
   */
  async open(
    filter: LiveEventsFilter,
    lastEventId: string | null,
    begin: () => LiveSink,
  ): Promise<LiveClient> {
    if (this.#closed) throw new Error('live events are closed (shutting down)');
    const after = lastEventId ? await this.#checkPosition(lastEventId) : null;
    await this.#ensureReading();
    // The reader may have failed meanwhile (the store went away): one more try.
    if (!this.#reader) await this.#ensureReading();
    if (!this.#reader) throw new Error('the log reader of live events could not start');
    // Synchronous from here: the reader cannot stop before the client is counted.
    return this.#attach(filter, after, begin());
  }

  /** Ends every stream (clients reconnect elsewhere and resume) and stops the reader. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const client of [...this.#clients]) client.end('shutdown');
    this.#clearTimers();
    await this.#stopReader();
  }

  async #checkPosition(value: string): Promise<Position> {
    const position = value as Position;
    try {
      await this.store.readAll({ after: position, streamPrefix: COMMAND_STREAM_PREFIX, limit: 1 });
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
      throw new InvalidRequestError([
        `Last-Event-ID must be the id of an event of this stream, got ${JSON.stringify(value.slice(0, 80))}`,
      ]);
    }
    return position;
  }

  #attach(filter: LiveEventsFilter, after: Position | null, sink: LiveSink): LiveClient {
    const client = new LiveClient(
      filter,
      sink,
      {
        maxQueued: this.#maxQueued,
        onSent: () => this.observer.sent(),
        onEnded: (c, reason) => this.#ended(c, reason),
      },
      after !== null,
    );
    this.#clients.add(client);
    this.observer.opened();
    this.#startHeartbeat();
    client.sendRaw(renderRetry(this.#retryMs));
    if (after === null) client.keepAlive('live from the head of the log', this.#position);
    else
      void this.#catchUp(client, after).catch((error: unknown) => {
        this.observer.readerFailed(error);
        client.end('log_failed');
      });
    return client;
  }

  /**
   * Reads the log from `after` for one client, at the client's pace, until a read comes back
   * short. Every event the shared reader handed out before this client joined is at or before
   * that read's end (the shared reader only sees what such a read would); every later one was
   * offered to the client and held: `goLive` sends those past the end, so nothing is skipped
   * or repeated.
   */
  async #catchUp(client: LiveClient, after: Position): Promise<void> {
    let cursor = after;
    for (;;) {
      await client.drained();
      if (client.ended) return;
      const page = await this.store.readAll({
        after: cursor,
        streamPrefix: COMMAND_STREAM_PREFIX,
        limit: CATCH_UP_PAGE,
      });
      for (const event of page) {
        const facts = await this.#facts.factsFor(event);
        if (facts) client.sendCaughtUp(toLiveTransition(event, facts));
        cursor = event.position;
      }
      if (page.length < CATCH_UP_PAGE) break;
    }
    client.goLive(cursor);
    const reached = this.#position !== null && this.#position > cursor ? this.#position : cursor;
    client.keepAlive('caught up, live', reached);
  }

  #ended(client: LiveClient, reason: EndReason | 'left'): void {
    if (!this.#clients.delete(client)) return;
    this.observer.closed(reason);
    if (this.#clients.size === 0 && !this.#closed) {
      this.#clearTimers();
      this.#linger = setTimeout(() => void this.#stopReader(), this.#lingerMs);
      this.#linger.unref();
    }
  }

  async #ensureReading(): Promise<void> {
    if (this.#linger) clearTimeout(this.#linger);
    this.#linger = null;
    if (this.#reader) return;
    this.#starting ??= this.#startReader().finally(() => (this.#starting = null));
    await this.#starting;
  }

  async #startReader(): Promise<void> {
    const head = await findHead(this.store, this.#position ?? this.headHint());
    this.#position = head;
    const subscription = this.store.subscribeToAll({
      after: head,
      streamPrefix: COMMAND_STREAM_PREFIX,
    });
    this.#reader = { subscription, done: this.#read(subscription) };
  }

  async #read(subscription: Subscription): Promise<void> {
    try {
      for await (const event of subscription) {
        const facts = await this.#facts.factsFor(event);
        this.#position = event.position;
        if (!facts) continue;
        const transition = toLiveTransition(event, facts);
        for (const client of this.#clients) client.offer(transition);
      }
    } catch (error) {
      // Every client reconnects with its last id and resumes; the next one restarts the reader.
      this.observer.readerFailed(error);
      for (const client of [...this.#clients]) client.end('log_failed');
    } finally {
      if (this.#reader?.subscription === subscription) this.#reader = null;
    }
  }

  async #stopReader(): Promise<void> {
    const reader = this.#reader;
    if (!reader || this.#clients.size > 0) return;
    this.#reader = null;
    await reader.subscription.close();
    await reader.done;
  }

  #startHeartbeat(): void {
    if (this.#heartbeat) return;
    this.#heartbeat = setInterval(() => {
      for (const client of this.#clients) {
        client.keepAlive('keep-alive', client.live ? this.#position : null);
      }
    }, this.#heartbeatMs);
    this.#heartbeat.unref();
  }

  #clearTimers(): void {
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    if (this.#linger) clearTimeout(this.#linger);
    this.#heartbeat = null;
    this.#linger = null;
  }
}
