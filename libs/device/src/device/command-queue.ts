/** Commands run in arrival order, `concurrency` at a time; `drained` tells when none is left. */
export class CommandQueue<T> {
  private readonly waiting: T[] = [];
  private readonly idle = new Set<() => void>();
  private running = 0;

  constructor(
    private readonly concurrency: number,
    private readonly run: (job: T) => Promise<void>,
  ) {
    if (!(Number.isInteger(concurrency) && concurrency >= 1))
      throw new RangeError(`concurrency must be a whole number ≥ 1, not ${concurrency}`);
  }

  /** Commands running or waiting. */
  get size(): number {
    return this.running + this.waiting.length;
  }

  push(job: T): void {
    this.waiting.push(job);
    this.pump();
  }

  /** Resolves true once nothing runs or waits, or false after `timeoutMs`. */
  drained(timeoutMs: number): Promise<boolean> {
    if (this.size === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (ok: boolean) => {
        clearTimeout(timer);
        this.idle.delete(onIdle);
        resolve(ok);
      };
      const onIdle = () => done(true);
      const timer = setTimeout(() => done(false), timeoutMs);
      this.idle.add(onIdle);
    });
  }

  private pump(): void {
    while (this.running < this.concurrency && this.waiting.length > 0) {
      const job = this.waiting.shift()!;
      this.running++;
      // `run` reports its own failures; a rejection here must not stop the queue.
      void this.run(job)
        .catch(() => undefined)
        .finally(() => {
          this.running--;
          this.pump();
          if (this.size === 0) for (const f of [...this.idle]) f();
        });
    }
  }
}
