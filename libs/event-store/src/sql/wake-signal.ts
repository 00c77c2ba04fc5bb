/**
 * Wakes pollers early when this process appended. A generation counter closes the gap
 * between a poll's read and its wait: an append in between makes the wait return at once.
 *
 * Generations are kept per stream prefix: an append wakes only the pollers whose prefix one of
 * its streams starts with (the prefix '' follows every stream). A projection of `group-`
 * streams then does not read the log after every command's append only to find nothing; the
 * poll interval still bounds how late it sees what another process appended.
 */
export class WakeSignal {
  /** Prefix → generation, for every prefix a poller has asked about ('' always present). */
  readonly #generations = new Map<string, number>([['', 0]]);
  readonly #waiters = new Set<{ readonly prefix: string; readonly wake: () => void }>();

  /** The generation of `prefix`: changes whenever a stream starting with it is appended. */
  generation(prefix = ''): number {
    let g = this.#generations.get(prefix);
    if (g === undefined) {
      g = 0;
      this.#generations.set(prefix, g);
    }
    return g;
  }

  /**
   * After a commit. `streams`: the streams appended to; without them every poller wakes (an
   * append whose streams are unknown must not be missed).
   */
  notify(streams?: readonly string[]): void {
    const woken = new Set<string>();
    for (const [prefix, g] of this.#generations) {
      if (streams && prefix !== '' && !streams.some((s) => s.startsWith(prefix))) continue;
      this.#generations.set(prefix, g + 1);
      woken.add(prefix);
    }
    for (const waiter of [...this.#waiters]) if (woken.has(waiter.prefix)) waiter.wake();
  }

  /**
   * Resolves on a notify of `prefix` after generation `since`, after `timeoutMs`, or when
   * `abort` fires.
   */
  wait(since: number, timeoutMs: number, abort: AbortSignal, prefix = ''): Promise<void> {
    if (since !== this.generation(prefix) || abort.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const waiter = {
        prefix,
        wake: () => {
          clearTimeout(timer);
          this.#waiters.delete(waiter);
          abort.removeEventListener('abort', waiter.wake);
          resolve();
        },
      };
      const timer = setTimeout(waiter.wake, timeoutMs);
      this.#waiters.add(waiter);
      abort.addEventListener('abort', waiter.wake, { once: true });
    });
  }
}
