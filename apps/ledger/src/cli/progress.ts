import { type CliIo, fmt, seconds } from './io.js';

const WIDTH = 30;

/**
 * Events done against an estimated total: on a terminal a bar redrawn in place (at most ten
 * times a second), otherwise a plain line every 2 s, so that logs stay readable. Both on
 * stderr: stdout is for results (`--json`).
 */
export class Progress {
  readonly #io: CliIo;
  readonly #label: string;
  readonly #total: number | null;
  readonly #started: number;
  #shown = 0;
  #drawn = false;

  constructor(io: CliIo, label: string, total: number | null) {
    this.#io = io;
    this.#label = label;
    this.#total = total && total > 0 ? total : null;
    this.#started = io.now();
  }

  update(done: number, phase?: string): void {
    const now = this.#io.now();
    if (now - this.#shown < (this.#io.errIsTTY ? 100 : 2000)) return;
    this.#shown = now;
    const elapsed = Math.max(1, now - this.#started);
    const rate = (done / elapsed) * 1000;
    const total = this.#total !== null && done <= this.#total ? this.#total : null;
    const eta = total !== null && rate > 0 ? `ETA ${seconds(((total - done) / rate) * 1000)}` : '';
    const counts = total !== null ? `${fmt(done)}/${fmt(total)}` : fmt(done);
    const tail = [`${counts} events`, `${fmt(rate)} events/s`, eta, phase ?? ''].filter(Boolean);
    if (this.#io.errIsTTY) {
      const filled = total !== null ? Math.round((done / total) * WIDTH) : 0;
      const bar =
        total !== null
          ? `[${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${Math.floor((done / total) * 100)}% `
          : '';
      this.#io.errRaw(`\r\x1b[K${this.#label} ${bar}${tail.join('  ')}`);
      this.#drawn = true;
    } else {
      const percent = total !== null ? ` (${Math.floor((done / total) * 100)}%)` : '';
      this.#io.err(`${this.#label}: ${fmt(done)} events${percent}, ${tail.slice(1).join(', ')}`);
    }
  }

  /** Ends the bar's line, so that what follows starts on its own. */
  done(): void {
    if (this.#drawn) this.#io.errRaw('\r\x1b[K');
    this.#drawn = false;
  }
}
