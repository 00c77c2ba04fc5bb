import type { Position } from '@ratchet/event-store';
import type { BuildContext, BulkBuilder, RebuildDefinition } from './bulk-builder.js';
import { type LogBatch, type LogEvent, type LogReader, lastPosition } from './log-reader.js';
import { readLogAhead } from './read-log.js';
import type { RebuildOptions, RebuildPhase } from './rebuild-types.js';

const WRITERS = 2;

/**
 * A turn of the event loop per batch: PGlite answers in microtasks, so without it a rebuild
 * in a process that also serves (or a test's concurrent writer) would starve every timer.
 */
export const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** The fold's progress: where in the log it is, and what it counted. */
export class RebuildState {
  position: Position | null = null;
  events = 0;
  tailEvents = 0;
  rows = 0;
  skipped = 0;
  readonly skippedExamples: string[] = [];
  readonly log: LogReader;
  readonly builder: BulkBuilder;
  readonly #definition: RebuildDefinition;
  readonly #options: RebuildOptions;
  readonly #started: number;
  readonly #context: BuildContext = {
    skipped: (event: LogEvent, reason: string) => {
      this.skipped += 1;
      if (this.skippedExamples.length < 10) this.skippedExamples.push(`${event.stream}: ${reason}`);
    },
  };

  constructor(
    definition: RebuildDefinition,
    builder: BulkBuilder,
    log: LogReader,
    options: RebuildOptions,
    started: number,
  ) {
    this.#definition = definition;
    this.builder = builder;
    this.log = log;
    this.#options = options;
    this.#started = started;
  }

  fold(batch: LogBatch, tail: boolean): void {
    const { handles } = this.#definition.projection;
    // The projections' `handles` looks at the type only.
    this.builder.fold(
      batch.events.filter((event) => handles(event as Parameters<typeof handles>[0])),
      this.#context,
    );
    this.position = lastPosition(batch) ?? this.position;
    this.events += batch.events.length;
    if (tail) this.tailEvents += batch.events.length;
  }

  /**
   * The bulk load: the next batch is read and folded while up to `WRITERS` writes are in
   * flight (on PostgreSQL the server inserts on other cores meanwhile; PGlite serialises).
   */
  async load(limit: number): Promise<void> {
    const { driver } = this.#options;
    const streamPrefix = this.#definition.projection.streamPrefix;
    const writing: Promise<number>[] = [];
    let failure: unknown = null;
    try {
      for await (const batch of readLogAhead(this.log, { after: null, streamPrefix, limit })) {
        this.fold(batch, false);
        if (writing.length >= WRITERS) this.rows += await (writing.shift() as Promise<number>);
        const write = this.builder.load(driver, false);
        write.catch(() => undefined); // awaited later
        writing.push(write);
        this.report('loading');
        await turn();
      }
    } catch (error) {
      failure = error;
    }
    // Every write settles before the load goes on or fails: none may run into the DROP.
    for (const result of await Promise.allSettled(writing)) {
      if (result.status === 'rejected') failure ??= result.reason;
      else this.rows += result.value;
    }
    if (failure !== null) throw failure;
    this.rows += await this.builder.load(driver, true);
  }

  report(phase: RebuildPhase): void {
    const now = this.#options.now ?? Date.now;
    this.#options.onProgress?.({
      phase,
      events: this.events,
      rows: this.rows,
      elapsedMs: now() - this.#started,
    });
  }
}
