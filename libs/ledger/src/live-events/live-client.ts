import type { Position } from '@ratchet/event-store';
import { type LiveEventsFilter, matchesFilter } from './live-events-filter.js';
import type { LiveTransition } from './live-transition.js';
import { renderKeepAlive, renderTransition } from './sse-format.js';

/** Where a client's stream goes: an HTTP response, in the service (a Node.js Writable). */
export interface LiveSink {
  /** `false`: the socket's buffer is full; write more after `drain`. */
  write(chunk: string): boolean;
  once(event: 'drain' | 'close', listener: () => void): unknown;
  /** Ends the response after what was written. */
  end(): void;
  /** Drops the connection at once, discarding what is buffered (a client that cannot keep up). */
  destroy(): void;
}

/** Why a stream ended on the ledger's side: the client can always resume from its last id. */
export type EndReason = 'slow' | 'log_failed' | 'shutdown';

export interface LiveClientOptions {
  /** Messages held for the client beyond its socket's buffer before it is dropped. */
  readonly maxQueued: number;
  readonly onSent: () => void;
  /** Called once, when the stream ends for whatever reason (the client left included). */
  readonly onEnded: (client: LiveClient, reason: EndReason | 'left') => void;
}

/**
 * One `GET /events` client. Events are offered synchronously by the one reader of the log and
 * queued here, so a client never makes that reader wait: past `maxQueued` unsent messages it
 * is dropped, and reconnects with its `Last-Event-ID` to resume where it was.
 *
 * While catching up (a resume from a position behind the shared reader), events the shared
 * reader offers are held in `pending`; once the catch-up has read to the head, the shared
 * reader takes over, and every event at or before where the catch-up ended is skipped, held or
 * still to come: no gap, no duplicate.
 */
export class LiveClient {
  #state: 'catching_up' | 'live' | 'ended';
  /** The catch-up read the log through here: the shared reader may still be behind it. */
  #readThrough: Position | null = null;
  readonly #pending: LiveTransition[] = [];
  readonly #queue: Array<{ readonly chunk: string; readonly event: boolean }> = [];
  #blocked = false;
  #drainWaiters: Array<() => void> = [];

  constructor(
    readonly filter: LiveEventsFilter,
    private readonly sink: LiveSink,
    private readonly options: LiveClientOptions,
    catchingUp: boolean,
  ) {
    this.#state = catchingUp ? 'catching_up' : 'live';
    sink.once('close', () => this.#finish('left'));
  }

  get ended(): boolean {
    return this.#state === 'ended';
  }

  get live(): boolean {
    return this.#state === 'live';
  }

  /** Messages not yet handed to the socket. */
  get queued(): number {
    return this.#queue.length;
  }

  /** From the shared reader, in log order. */
  offer(t: LiveTransition): void {
    if (this.#state === 'ended' || !matchesFilter(this.filter, t)) return;
    if (this.#state === 'catching_up') {
      this.#pending.push(t);
      if (this.#pending.length > this.options.maxQueued) this.end('slow');
      return;
    }
    if (this.#readThrough !== null && t.position <= this.#readThrough) return;
    this.#enqueue(renderTransition(t), true);
  }

  /** From this client's own catch-up read. */
  sendCaughtUp(t: LiveTransition): void {
    if (this.#state === 'catching_up' && matchesFilter(this.filter, t)) {
      this.#enqueue(renderTransition(t), true);
    }
  }

  /**
   * The catch-up has read everything up to `readTo`: hand over to the shared reader. What it
   * offers at or before `readTo` (held meanwhile, or still to come when it is behind the
   * catch-up) was sent already and is skipped.
   */
  goLive(readTo: Position | null): void {
    if (this.#state !== 'catching_up') return;
    this.#state = 'live';
    this.#readThrough = readTo;
    for (const t of this.#pending.splice(0)) this.offer(t);
  }

  /** A comment; `position` (the shared reader's), when given, never moves the id backwards. */
  keepAlive(comment: string, position: Position | null): void {
    if (this.#state === 'ended') return;
    const through =
      this.#readThrough !== null && (position === null || position < this.#readThrough)
        ? this.#readThrough
        : position;
    this.#enqueue(renderKeepAlive(comment, this.#state === 'live' ? through : null), false);
  }

  /** Raw SSE text (the preamble). */
  sendRaw(chunk: string): void {
    if (this.#state !== 'ended') this.#enqueue(chunk, false);
  }

  /** Resolves once everything queued is in the socket's buffer (or the client ended). */
  drained(): Promise<void> {
    if (this.#state === 'ended' || (!this.#blocked && this.#queue.length === 0)) {
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#drainWaiters.push(resolve));
  }

  end(reason: EndReason): void {
    if (this.#state === 'ended') return;
    this.#finish(reason);
    // A client too slow to read gets no more bytes: its buffers are freed at once.
    if (reason === 'slow') this.sink.destroy();
    else this.sink.end();
  }

  #enqueue(chunk: string, event: boolean): void {
    this.#queue.push({ chunk, event });
    if (this.#queue.length > this.options.maxQueued) return this.end('slow');
    this.#flush();
  }

  #flush(): void {
    while (!this.#blocked && this.#queue.length > 0 && this.#state !== 'ended') {
      const { chunk, event } = this.#queue.shift()!;
      if (event) this.options.onSent();
      if (!this.sink.write(chunk)) {
        this.#blocked = true;
        this.sink.once('drain', () => {
          this.#blocked = false;
          this.#flush();
        });
      }
    }
    if (!this.#blocked && this.#queue.length === 0) this.#releaseWaiters();
  }

  #finish(reason: EndReason | 'left'): void {
    if (this.#state === 'ended') return;
    this.#state = 'ended';
    this.#queue.length = 0;
    this.#pending.length = 0;
    this.#releaseWaiters();
    this.options.onEnded(this, reason);
  }

  #releaseWaiters(): void {
    for (const resolve of this.#drainWaiters.splice(0)) resolve();
  }
}
