/**
 * Commands this process saw terminal, so that the dispatcher need not read their streams again
 * while they sit in a device's queue (a terminal status is final, so an entry is never wrong).
 * Bounded: an entry leaves when its queue entry is closed, and the oldest leaves when more than
 * `capacity` are kept (a forgotten one is merely read again). It once grew to 100,000 ids
 * before it was cleared: ~0.7 MiB more heap a minute at 100 commands/s.
 */
export class EndedCommands {
  readonly #ids = new Set<string>();

  constructor(private readonly capacity = 10_000) {}

  has(commandId: string): boolean {
    return this.#ids.has(commandId);
  }

  add(commandId: string): void {
    if (this.#ids.has(commandId)) return;
    this.#ids.add(commandId);
    // A Set iterates in insertion order: the first is the oldest.
    if (this.#ids.size > this.capacity) this.#ids.delete(this.#ids.values().next().value!);
  }

  /** Their queue entries were closed: nothing will ask for them again. */
  forget(commandIds: Iterable<string>): void {
    for (const id of commandIds) this.#ids.delete(id);
  }

  get size(): number {
    return this.#ids.size;
  }
}
