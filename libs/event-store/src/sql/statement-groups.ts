/**
 * Requests that share statements: group commit for appends, read grouping for stream reads.
 * At most `concurrency` statements run at once; requests that arrive while they all run wait
 * and go together (up to `groupSize`) as soon as one finishes. A free slot is used at the end
 * of the current turn of the event loop (`withinTurn`), so that what one turn asks for (the
 * answers of one socket read, each its own handler) shares a statement even when nothing is
 * busy; the cost is the rest of that turn. A finished statement starts the next group at once:
 * those requests have waited already.
 */
export class StatementGroups<T> {
  readonly #pending: T[] = [];
  readonly #concurrency: number;
  readonly #groupSize: number;
  readonly #withinTurn: boolean;
  /** Runs one group; settles every request of it and never rejects. */
  readonly #run: (group: T[]) => Promise<void>;
  #running = 0;
  #scheduled = false;

  constructor(
    options: { concurrency: number; groupSize: number; withinTurn: boolean },
    run: (group: T[]) => Promise<void>,
  ) {
    this.#concurrency = Math.max(1, options.concurrency);
    this.#groupSize = Math.max(1, options.groupSize);
    this.#withinTurn = options.withinTurn;
    this.#run = run;
  }

  add(request: T): void {
    this.#pending.push(request);
    if (!this.#withinTurn) return this.#start();
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.#start();
    });
  }

  #start(): void {
    while (this.#running < this.#concurrency && this.#pending.length > 0) {
      const group = this.#pending.splice(0, this.#groupSize);
      this.#running += 1;
      void this.#run(group).finally(() => {
        this.#running -= 1;
        this.#start();
      });
    }
  }
}
