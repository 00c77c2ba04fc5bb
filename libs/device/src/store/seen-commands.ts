/**
 * The dedupe memory both stores share: commands by id in arrival order, bounded by count and
 * cleaned by age (oldest first, which a Map's insertion order gives for free).
 */
import {
  DEFAULT_DEDUPE_MAX_AGE_MS,
  DEFAULT_DEDUPE_MAX_ENTRIES,
  type DedupeLimits,
  type SeenCommand,
} from './device-store.port.js';

export class SeenCommands {
  private readonly entries = new Map<string, SeenCommand>();
  readonly maxEntries: number;
  readonly maxAgeMs: number;

  constructor(limits: DedupeLimits = {}) {
    this.maxEntries = limits.maxEntries ?? DEFAULT_DEDUPE_MAX_ENTRIES;
    this.maxAgeMs = limits.maxAgeMs ?? DEFAULT_DEDUPE_MAX_AGE_MS;
    if (!(Number.isInteger(this.maxEntries) && this.maxEntries >= 1))
      throw new RangeError(`dedupe maxEntries must be a whole number ≥ 1, not ${this.maxEntries}`);
    if (!(this.maxAgeMs > 0))
      throw new RangeError(`dedupe maxAgeMs must be above 0, not ${this.maxAgeMs}`);
  }

  get size(): number {
    return this.entries.size;
  }

  get(commandId: string): SeenCommand | undefined {
    return this.entries.get(commandId);
  }

  /** Records `entry` (a result replaces the record in place); returns the ids forgotten. */
  put(entry: SeenCommand, nowMs: number): string[] {
    this.entries.set(entry.commandId, entry);
    return this.prune(nowMs);
  }

  /** Forgets records past the age limit, then the oldest beyond the count limit. */
  prune(nowMs: number): string[] {
    const forgotten: string[] = [];
    for (const [id, e] of this.entries) {
      const tooOld = nowMs - e.receivedAt > this.maxAgeMs;
      if (!tooOld && this.entries.size - forgotten.length <= this.maxEntries) break;
      forgotten.push(id);
    }
    for (const id of forgotten) this.entries.delete(id);
    return forgotten;
  }

  values(): IterableIterator<SeenCommand> {
    return this.entries.values();
  }
}
