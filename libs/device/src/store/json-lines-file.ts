/**
 * An append-only JSON-lines file with atomic compaction. Each record is one line; a line cut
 * short by a crash (the last one) or otherwise unreadable is skipped and counted, never fatal.
 * Synchronous, so that a record is on disk before the caller acts on it.
 */
import fs from 'node:fs';

export interface JsonLinesOptions {
  /** fsync after each append and rewrite (default true): survives power loss, not only a crash. */
  readonly durable?: boolean;
}

export class JsonLinesFile<T> {
  private fd: number;
  private lineCount = 0;
  private readonly durable: boolean;

  /** Opens (creating) the file; `records` are those it held, `skipped` the unreadable lines. */
  static open<T>(
    path: string,
    options: JsonLinesOptions = {},
  ): { file: JsonLinesFile<T>; records: T[]; skipped: number } {
    const text = fs.existsSync(path) ? fs.readFileSync(path, 'utf8') : '';
    const records: T[] = [];
    let skipped = 0;
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      try {
        records.push(JSON.parse(line) as T);
      } catch {
        skipped++;
      }
    }
    const file = new JsonLinesFile<T>(path, options.durable ?? true);
    file.lineCount = records.length + skipped;
    // A torn last line would glue itself to the next append: start clean.
    if (text.length > 0 && !text.endsWith('\n')) file.rewrite(records);
    return { file, records, skipped };
  }

  private constructor(
    readonly path: string,
    durable: boolean,
  ) {
    this.durable = durable;
    this.fd = fs.openSync(path, 'a');
  }

  /** Lines in the file, live or not: the caller compacts when this outgrows what it holds. */
  get lines(): number {
    return this.lineCount;
  }

  append(record: T): void {
    fs.writeSync(this.fd, `${JSON.stringify(record)}\n`);
    if (this.durable) fs.fsyncSync(this.fd);
    this.lineCount++;
  }

  /** Replaces the whole file with `records`, atomically (write aside, fsync, rename). */
  rewrite(records: Iterable<T>): void {
    const tmp = `${this.path}.tmp`;
    let text = '';
    let count = 0;
    for (const r of records) {
      text += `${JSON.stringify(r)}\n`;
      count++;
    }
    writeFileDurably(tmp, text, this.durable);
    fs.closeSync(this.fd);
    fs.renameSync(tmp, this.path);
    this.fd = fs.openSync(this.path, 'a');
    this.lineCount = count;
  }

  close(): void {
    if (this.fd < 0) return;
    fs.closeSync(this.fd);
    this.fd = -1;
  }
}

/** Writes a whole file and, when durable, flushes it to the disk before returning. */
export function writeFileDurably(path: string, text: string, durable: boolean): void {
  const fd = fs.openSync(path, 'w');
  try {
    fs.writeSync(fd, text);
    if (durable) fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
