/**
 * The default store: a directory per device holding
 * - `epoch`: the last session epoch handed out (rewritten atomically);
 * - `seen.jsonl`: the commands seen, a line when one arrives and another with its result;
 * - `outbox.jsonl`: answers queued (`{"add":…}`) and acknowledged by the broker (`{"done":id}`);
 * - `lock`: the pid of the process using it.
 * Both JSON-lines files are compacted when they hold much more than what is live, and at open.
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  nextEpochAfter,
  type DedupeLimits,
  type DeviceStore,
  type PendingAnswer,
  type SeenCommand,
} from './device-store.port.js';
import { JsonLinesFile, writeFileDurably } from './json-lines-file.js';
import { SeenCommands } from './seen-commands.js';
import { lockStateDir } from './state-dir-lock.js';

export interface FileDeviceStoreOptions extends DedupeLimits {
  /** Created if missing. One directory per device and per running copy (it is locked). */
  readonly dir: string;
  /**
   * Default true: epochs are the clock's milliseconds when those are higher than the last
   * epoch plus one (see `nextEpochAfter`). False: a plain counter from 1.
   */
  readonly epochFromClock?: boolean;
  /** Default true: fsync every record, so that a power cut loses nothing acknowledged. */
  readonly durable?: boolean;
  /** Told about unreadable lines skipped at open (a crash mid-write). */
  readonly onSkippedLines?: (file: string, count: number) => void;
  /** The clock used to clean the dedupe memory by age at open; default `Date.now`. */
  readonly now?: () => number;
}

type OutboxRecord = { readonly add: PendingAnswer } | { readonly done: number };

/** Compact a file once it holds this many lines per live record (and at least this many). */
const COMPACT_RATIO = 3;
const COMPACT_MIN_LINES = 1000;

export class FileDeviceStore implements DeviceStore {
  private readonly seenById: SeenCommands;
  private readonly seenFile: JsonLinesFile<SeenCommand>;
  private readonly outboxFile: JsonLinesFile<OutboxRecord>;
  private readonly queue = new Map<number, PendingAnswer>();
  private readonly epochPath: string;
  private readonly durable: boolean;
  private readonly useClock: boolean;
  private readonly unlock: () => void;
  private lastEpoch: number;
  private nextAnswerId = 1;
  private closed = false;

  constructor(o: FileDeviceStoreOptions) {
    const dir = path.resolve(o.dir);
    fs.mkdirSync(dir, { recursive: true });
    this.unlock = lockStateDir(dir);
    try {
      this.durable = o.durable ?? true;
      this.useClock = o.epochFromClock ?? true;
      this.epochPath = path.join(dir, 'epoch');
      this.lastEpoch = readEpoch(this.epochPath);
      this.seenById = new SeenCommands(o);
      const skipped = o.onSkippedLines ?? (() => undefined);
      const seen = JsonLinesFile.open<SeenCommand>(path.join(dir, 'seen.jsonl'), {
        durable: this.durable,
      });
      this.seenFile = seen.file;
      if (seen.skipped > 0) skipped(seen.file.path, seen.skipped);
      for (const e of seen.records) this.seenById.put(e, -Infinity);
      this.seenById.prune((o.now ?? Date.now)());
      this.seenFile.rewrite(this.seenById.values());
      const outbox = JsonLinesFile.open<OutboxRecord>(path.join(dir, 'outbox.jsonl'), {
        durable: this.durable,
      });
      this.outboxFile = outbox.file;
      if (outbox.skipped > 0) skipped(outbox.file.path, outbox.skipped);
      for (const r of outbox.records) {
        if ('add' in r) this.queue.set(r.add.id, r.add);
        else this.queue.delete(r.done);
      }
      this.nextAnswerId = Math.max(0, ...this.queue.keys()) + 1;
      this.outboxFile.rewrite([...this.queue.values()].map((add) => ({ add })));
    } catch (e) {
      this.unlock();
      throw e;
    }
  }

  nextEpoch(nowMs: number): number {
    const epoch = nextEpochAfter(this.lastEpoch, nowMs, this.useClock);
    // On disk before any CONNECT carries it: a crash must never hand the same epoch out twice.
    const tmp = `${this.epochPath}.tmp`;
    writeFileDurably(tmp, `${epoch}\n`, this.durable);
    fs.renameSync(tmp, this.epochPath);
    return (this.lastEpoch = epoch);
  }

  seen(commandId: string): SeenCommand | undefined {
    return this.seenById.get(commandId);
  }

  remember(entry: SeenCommand, nowMs: number): void {
    this.seenFile.append(entry);
    this.seenById.put(entry, nowMs);
    if (this.outgrown(this.seenFile, this.seenById.size))
      this.seenFile.rewrite(this.seenById.values());
  }

  seenCommands(): Iterable<SeenCommand> {
    return this.seenById.values();
  }

  enqueue(topic: string, payload: string): PendingAnswer {
    const add = { id: this.nextAnswerId++, topic, payload };
    this.outboxFile.append({ add });
    this.queue.set(add.id, add);
    return add;
  }

  settle(id: number): void {
    if (!this.queue.delete(id)) return;
    // Nothing pending: the file can start over (the common case, and the cheapest moment).
    if (this.queue.size === 0) this.outboxFile.rewrite([]);
    else if (this.outgrown(this.outboxFile, this.queue.size))
      this.outboxFile.rewrite([...this.queue.values()].map((add) => ({ add })));
    // Losing a `done` line to a power cut costs a duplicate answer, which the ledger ignores.
    else this.outboxFile.append({ done: id });
  }

  pending(): readonly PendingAnswer[] {
    return [...this.queue.values()];
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.seenFile.close();
    this.outboxFile.close();
    this.unlock();
  }

  private outgrown(file: JsonLinesFile<unknown>, live: number): boolean {
    return file.lines >= COMPACT_MIN_LINES && file.lines > COMPACT_RATIO * live;
  }
}

function readEpoch(file: string): number {
  if (!fs.existsSync(file)) return 0;
  const text = fs.readFileSync(file, 'utf8').trim();
  const epoch = Number(text);
  if (!Number.isSafeInteger(epoch) || epoch < 0)
    throw new Error(
      `the device epoch file ${file} holds ${JSON.stringify(text.slice(0, 40))}, not a whole number: ` +
        'fix or delete it (deleted, epochs restart from the clock)',
    );
  return epoch;
}
