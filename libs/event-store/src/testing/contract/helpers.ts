import { randomUUID } from 'node:crypto';
import type {
  EventStore,
  NewEvent,
  ReadAllOptions,
  RecordedEvent,
  Subscription,
} from '../../event-store.port.js';

/** A name no other test, run or process uses, so that tests can share one store. */
export const unique = (label: string): string => `${label}-${randomUUID().slice(0, 8)}`;

export const newEvent = (type = 'Tested', data: Record<string, unknown> = {}): NewEvent => ({
  id: randomUUID(),
  type,
  data: { ...data },
  metadata: { correlationId: randomUUID() },
});

export const newEvents = (count: number, type = 'Tested'): NewEvent[] =>
  Array.from({ length: count }, (_, index) => newEvent(type, { index }));

export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));

export const TIMEOUT = Symbol('timeout');

/**
 * Pulls from a subscription with time limits. A `next()` that timed out stays pending and is
 * reused, since an async iterator answers its calls in order.
 */
export class Receiver {
  readonly #iterator: AsyncIterator<RecordedEvent>;
  #pending: Promise<IteratorResult<RecordedEvent>> | undefined;

  constructor(subscription: Subscription) {
    this.#iterator = subscription[Symbol.asyncIterator]();
  }

  async next(timeoutMs: number): Promise<RecordedEvent | typeof TIMEOUT | 'done'> {
    this.#pending ??= this.#iterator.next();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<typeof TIMEOUT>((resolve) => {
      timer = setTimeout(() => resolve(TIMEOUT), timeoutMs);
    });
    const result = await Promise.race([this.#pending, timeout]);
    clearTimeout(timer);
    if (result === TIMEOUT) return TIMEOUT;
    this.#pending = undefined;
    return result.done ? 'done' : result.value;
  }

  /** Exactly `count` events, or throws after `timeoutMs` in all. */
  async take(count: number, timeoutMs = 10_000): Promise<RecordedEvent[]> {
    const deadline = Date.now() + timeoutMs;
    const events: RecordedEvent[] = [];
    while (events.length < count) {
      const next = await this.next(Math.max(1, deadline - Date.now()));
      if (next === TIMEOUT || next === 'done') {
        throw new Error(`received ${events.length} of ${count} events (${String(next)})`);
      }
      events.push(next);
    }
    return events;
  }
}

export const isAscending = (values: readonly string[]): boolean =>
  values.every((value, index) => index === 0 || values[index - 1] < value);

/**
 * readAll until it returns at least `count` events. A committed event becomes readable in the
 * global log once every older transaction has ended, and on a shared server some other
 * session's transaction may still be running.
 */
export const readAllEventually = async (
  store: EventStore,
  options: ReadAllOptions,
  count: number,
  timeoutMs = 10_000,
): Promise<RecordedEvent[]> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const events = await store.readAll(options);
    if (events.length >= count || Date.now() > deadline) return events;
    await sleep(20);
  }
};
