/**
 * Wakes pollers early when this process appended. A generation counter closes the gap
 * between a poll's read and its wait: an append in between makes the wait return at once.
 */
export class WakeSignal {
  #generation = 0;
  readonly #waiters = new Set<() => void>();

  get generation(): number {
    return this.#generation;
  }

  notify(): void {
    this.#generation += 1;
    for (const wake of [...this.#waiters]) wake();
  }

  /** Resolves on a notify after `since`, after `timeoutMs`, or when `abort` fires. */
  wait(since: number, timeoutMs: number, abort: AbortSignal): Promise<void> {
    if (since !== this.#generation || abort.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#waiters.delete(done);
        abort.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.#waiters.add(done);
      abort.addEventListener('abort', done, { once: true });
    });
  }
}
