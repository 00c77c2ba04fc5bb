/** Where the CLI writes: stdout for results, stderr for progress and diagnostics. */
export interface CliIo {
  /** A line of results (stdout). */
  out(line: string): void;
  /** A line of diagnostics (stderr). */
  err(line: string): void;
  /** Raw text to stderr, for a progress bar redrawn in place. */
  errRaw(text: string): void;
  /** Is stderr a terminal (a bar can be drawn)? */
  readonly errIsTTY: boolean;
  readonly env: Readonly<Record<string, string | undefined>>;
  now(): number;
}

export const processIo = (): CliIo => ({
  out: (line) => void process.stdout.write(`${line}\n`),
  err: (line) => void process.stderr.write(`${line}\n`),
  errRaw: (text) => void process.stderr.write(text),
  errIsTTY: process.stderr.isTTY === true,
  env: process.env,
  now: () => Date.now(),
});

export const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

export const seconds = (ms: number): string =>
  ms < 60_000
    ? `${(ms / 1000).toFixed(1)} s`
    : `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
