import { type CommandState, isTerminal } from '@ratchet/lifecycle';

/**
 * What this process last knew of each command stream: the state at a revision it read or
 * appended itself. A stream never changes below its head, so a cached state at revision N is
 * exactly the stream's state at N; it can only be *old* (another instance appended since), never
 * wrong. The transition shell therefore trusts it for one thing only: proposing an append at N,
 * which the store refuses if the head has moved (then the shell re-reads, as on any conflict).
 * Every other outcome (unchanged, rejected) is decided again on a fresh read.
 *
 * Bounded, least recently used first out, and only open commands: an ended one takes at most a
 * late observation, decided on a fresh read anyway, so keeping it would only hold its payload
 * (up to 64 KiB) in memory. The hot path (issue, dispatch, ack, result) needs the commands in
 * flight, a few hundred at the rates one instance sustains; 2,000 leaves room and bounds the
 * cache to ~2,000 payloads. One cache per store: never share it between stores (the same stream
 * name in another store is another stream).
 */
export class CommandStateCache {
  readonly #entries = new Map<string, CommandState>();
  readonly #capacity: number;
  /** Per input kind: the recent share of appends on a cached state that were stale. */
  readonly #staleShare = new Map<string, number>();
  #probe = 0;

  constructor(capacity = 2_000) {
    this.#capacity = capacity;
  }

  /**
   * Whether deciding `kind` on a cached state is worth it. A good guess saves the read (one
   * round trip instead of two); a stale one costs a refused append on top (three). With several
   * instances, a device's answer mostly reaches another instance than the one that made the last
   * change, and guessing would cost more than it saves: once half the recent guesses for a kind
   * were stale, that kind reads first, guessing only now and then to notice when it pays again.
   */
  worthGuessing(kind: string): boolean {
    if ((this.#staleShare.get(kind) ?? 0) < 0.5) return true;
    this.#probe = (this.#probe + 1) % 16;
    return this.#probe === 0;
  }

  /** What became of an append decided on a cached state. */
  guessed(kind: string, stale: boolean): void {
    const share = this.#staleShare.get(kind) ?? 0;
    this.#staleShare.set(kind, share * 0.9 + (stale ? 0.1 : 0));
  }

  get size(): number {
    return this.#entries.size;
  }

  get(stream: string): CommandState | undefined {
    const state = this.#entries.get(stream);
    if (state) {
      // Most recently used last: eviction takes the first key.
      this.#entries.delete(stream);
      this.#entries.set(stream, state);
    }
    return state;
  }

  /**
   * Keeps `state` unless a state at a later (or the same) revision is already known; an ended
   * command is dropped instead.
   */
  remember(stream: string, state: CommandState | null): void {
    if (!state) return;
    const known = this.#entries.get(stream);
    if (known && known.revision >= state.revision) return;
    if (isTerminal(state.status)) {
      this.#entries.delete(stream);
      return;
    }
    this.#entries.delete(stream);
    this.#entries.set(stream, state);
    if (this.#entries.size > this.#capacity) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
  }

  /** Drops `state` if it is still the entry (a newer one, appended meanwhile, stays). */
  forget(stream: string, state: CommandState): void {
    if (this.#entries.get(stream) === state) this.#entries.delete(stream);
  }

  clear(): void {
    this.#entries.clear();
  }
}
