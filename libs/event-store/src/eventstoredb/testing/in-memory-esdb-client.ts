/**
 * A STAND-IN for `@eventstore/db-client`, in memory, because no EventStoreDB server can run on
 * the build machines. It mimics the behaviour the adapter depends on, as documented for
 * EventStoreDB 22.6+: expected-revision checks raising the client's own
 * `WrongExpectedVersionError` (or resolving `success: false` without `throwOnAppendFailure`),
 * the server's idempotency rules (see `appendToStream`), missing
 * streams raising `StreamNotFoundError` while iterating, `readAll` inclusive of its start
 * position, `subscribeToAll` exclusive of it and filtered, system events in `$all`.
 * Passing against it proves the adapter's mapping, not EventStoreDB compatibility: that is
 * what `eventstoredb-event-store.int-spec.ts` with EVENTSTORE_URL is for.
 */
import {
  StreamNotFoundError,
  WrongExpectedVersionError,
  type AllStreamResolvedEvent,
  type AppendToStreamOptions,
  type EventData,
  type ReadAllOptions,
  type ReadStreamOptions,
  type ResolvedEvent,
  type SubscribeToAllOptions,
} from '@eventstore/db-client';
import type { EsdbClient, EsdbSubscription } from '../eventstoredb-client.js';

type Stored = AllStreamResolvedEvent & { event: NonNullable<AllStreamResolvedEvent['event']> };
type Position = { commit: bigint; prepare: bigint };

const after = (a: Position, b: Position): boolean =>
  a.commit > b.commit || (a.commit === b.commit && a.prepare > b.prepare);

export class InMemoryEsdbClient implements EsdbClient {
  readonly log: Stored[] = [];
  readonly appendCalls: Array<{ stream: string; options?: AppendToStreamOptions }> = [];
  #wake = new Set<() => void>();
  #nextOffset = 1_000n;

  /** `throwOnAppendFailure=false` in a connection string makes the real client resolve instead. */
  constructor(readonly throwOnAppendFailure = true) {
    // $all always holds the server's own events; the adapter must leave them out.
    this.#record('$stats-127.0.0.1:2113', '$statsCollected', {});
  }

  #record(streamId: string, type: string, data: unknown, metadata?: unknown, id?: string): Stored {
    const revision = BigInt(this.log.filter((s) => s.event.streamId === streamId).length);
    // Sparse, with prepare below commit, so that "+1" arithmetic on positions would show.
    const position = { commit: this.#nextOffset, prepare: this.#nextOffset - 7n };
    this.#nextOffset += 1_000n;
    const stored = {
      event: {
        streamId,
        id: id ?? crypto.randomUUID(),
        revision,
        type,
        data,
        metadata,
        isJson: true,
        created: new Date(),
        position,
      },
      commitPosition: position.commit,
    } as Stored;
    this.log.push(stored);
    for (const wake of this.#wake) wake();
    return stored;
  }

  /** A system event written by "the server" (e.g. stream metadata). */
  writeSystemEvent(streamId: string, type: string): void {
    this.#record(streamId, type, {});
  }

  #stream(name: string): Stored[] {
    return this.log.filter((s) => s.event.streamId === name);
  }

  /**
   * The server's idempotency rules (EventStoreDB's documented "optimistic concurrency and
   * idempotence"; the index writer's commit check):
   * - at an exact revision (or `no_stream`, revision -1) below the stream's: if the events
   *   already after that revision carry the same ids, the append succeeds WITHOUT writing;
   *   otherwise it is a wrong expected version (also when only some ids match);
   * - at the stream's own revision: written, whatever the ids;
   * - at `any` (and `stream_exists`): if the first event's id is already in the stream and the
   *   following ones match, success without writing; otherwise written (the server keeps its
   *   recently written ids in a bounded cache; the stand-in remembers all of them).
   */
  async appendToStream(stream: string, events: EventData[], options?: AppendToStreamOptions) {
    this.appendCalls.push({ stream, ...(options ? { options } : {}) });
    const existing = this.#stream(stream);
    const current = existing.length === 0 ? ('no_stream' as const) : BigInt(existing.length - 1);
    const currentNumber = existing.length - 1;
    const expected = options?.expectedRevision ?? 'any';
    const idempotentFrom = (from: number) => {
      const again = existing.slice(from, from + events.length);
      if (again.length !== events.length || !again.every((s, i) => s.event.id === events[i]!.id))
        return undefined;
      const last = again[again.length - 1]!.event;
      return { success: true, nextExpectedRevision: last.revision, position: last.position };
    };
    const wrong = () => {
      if (this.throwOnAppendFailure)
        throw new WrongExpectedVersionError(undefined, { streamName: stream, expected, current });
      // The real client then resolves with `success: false` (and, in its batch append, a
      // revision that is not the stream's): the adapter must not take that for a success.
      return { success: false, nextExpectedRevision: -1n, position: undefined };
    };
    if (expected === 'any' || expected === 'stream_exists') {
      if (expected === 'stream_exists' && current === 'no_stream') return wrong();
      const at = existing.findIndex((s) => s.event.id === events[0]!.id);
      if (at >= 0) return idempotentFrom(at) ?? wrong();
    } else {
      const numeric = expected === 'no_stream' ? -1 : Number(expected);
      if (numeric < currentNumber) return idempotentFrom(numeric + 1) ?? wrong();
      if (numeric > currentNumber) return wrong();
    }
    let last: Stored | undefined;
    for (const e of events) last = this.#record(stream, e.type, e.data, e.metadata, e.id);
    return {
      success: true,
      nextExpectedRevision: last!.event.revision,
      position: last!.event.position,
    };
  }

  async *readStream(
    stream: string,
    options: ReadStreamOptions = {},
  ): AsyncGenerator<ResolvedEvent> {
    const events = this.#stream(stream);
    if (events.length === 0) throw new StreamNotFoundError(undefined, stream);
    const from = typeof options.fromRevision === 'bigint' ? Number(options.fromRevision) : 0;
    yield* events.slice(from, from + Number(options.maxCount ?? events.length)) as ResolvedEvent[];
  }

  async *readAll(options: ReadAllOptions = {}): AsyncGenerator<AllStreamResolvedEvent> {
    const from = options.fromPosition ?? 'start';
    const max = Number(options.maxCount ?? Number.MAX_SAFE_INTEGER);
    const selected = this.log.filter(
      (s) => from === 'start' || (from !== 'end' && !after(from, s.event.position)),
    );
    yield* selected.slice(0, max);
  }

  subscribeToAll(options: SubscribeToAllOptions = {}): EsdbSubscription {
    const from = options.fromPosition ?? 'start';
    const filter = options.filter as { prefixes?: string[]; regex?: string } | undefined;
    const passes = (s: Stored): boolean =>
      (from === 'start' || (from !== 'end' && after(s.event.position, from))) &&
      (filter?.prefixes ? filter.prefixes.some((p) => s.event.streamId.startsWith(p)) : true) &&
      (filter?.regex ? new RegExp(filter.regex).test(s.event.type) : true);
    let closed = false;
    let wake: (() => void) | undefined;
    const log = this.log;
    const wakers = this.#wake;
    async function* live(): AsyncGenerator<AllStreamResolvedEvent> {
      let index = 0;
      while (!closed) {
        while (index < log.length) {
          const s = log[index++]!;
          if (passes(s)) yield s;
        }
        await new Promise<void>((resolve) => {
          wake = resolve;
          wakers.add(resolve);
        });
        if (wake) wakers.delete(wake);
      }
    }
    const iterator = live();
    return {
      [Symbol.asyncIterator]: () => iterator,
      // Like the real client, cancelling does not promise to end a pending read; the adapter must.
      unsubscribe: async () => {
        closed = true;
      },
    };
  }

  disposed = false;
  async dispose(): Promise<void> {
    this.disposed = true;
  }
}
