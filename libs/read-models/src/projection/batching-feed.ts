import type { RecordedEvent, Subscription } from '@ratchet/event-store';

/**
 * Pulls a live subscription into a bounded buffer, so that the runner can take everything
 * that has arrived as one batch (one transaction) instead of one event at a time.
 */
export class BatchingFeed {
  readonly #subscription: Subscription;
  readonly #capacity: number;
  #buffer: RecordedEvent[] = [];
  #done = false;
  #poked = false;
  #error: unknown = undefined;
  #arrived: (() => void) | null = null;
  #drained: (() => void) | null = null;
  readonly #pumping: Promise<void>;

  constructor(subscription: Subscription, capacity: number) {
    this.#subscription = subscription;
    this.#capacity = capacity;
    this.#pumping = this.#pump();
  }

  /**
   * Up to `max` events, waiting until at least one has arrived. `[]` once the feed has ended
   * (`ended`) or after a `poke()`; throws if the subscription failed (the runner then starts
   * over from its checkpoint).
   */
  async take(max: number): Promise<RecordedEvent[]> {
    while (this.#buffer.length === 0 && !this.#done && !this.#poked) {
      await new Promise<void>((resolve) => (this.#arrived = resolve));
    }
    this.#poked = false;
    if (this.#buffer.length === 0 && this.#error !== undefined) throw this.#error;
    // What the subscription has already read arrives one microtask per event: let it all in,
    // so that a read of many events becomes one transaction rather than many.
    if (this.#buffer.length < max && !this.#done) await new Promise(setImmediate);
    const batch = this.#buffer.splice(0, max);
    this.#wake('drained');
    return batch;
  }

  get ended(): boolean {
    return this.#done && this.#buffer.length === 0;
  }

  /** Makes a `take` waiting for events (or the next one) return, with `[]` if none arrived. */
  poke(): void {
    this.#poked = true;
    this.#wake('arrived');
  }

  async close(): Promise<void> {
    this.#done = true;
    this.#wake('drained');
    this.#wake('arrived');
    await this.#subscription.close();
    await this.#pumping;
  }

  async #pump(): Promise<void> {
    try {
      for await (const event of this.#subscription) {
        if (this.#done) break;
        this.#buffer.push(event);
        this.#wake('arrived');
        while (this.#buffer.length >= this.#capacity && !this.#done) {
          await new Promise<void>((resolve) => (this.#drained = resolve));
        }
      }
    } catch (error) {
      this.#error = error ?? new Error('subscription failed');
    } finally {
      this.#done = true;
      this.#wake('arrived');
    }
  }

  #wake(which: 'arrived' | 'drained'): void {
    const waiter = which === 'arrived' ? this.#arrived : this.#drained;
    if (which === 'arrived') this.#arrived = null;
    else this.#drained = null;
    waiter?.();
  }
}
