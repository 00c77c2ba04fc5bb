/**
 * At most `perWindow` lines per key per window, then one summary: a flood of garbage from a
 * misbehaving device must not bury the log (every message is still counted in metrics).
 */
export class LogLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(
    private readonly perWindow = 20,
    private readonly windowMs = 60_000,
  ) {}

  /** `true` to log this one; `suppressed` > 0 when a previous window dropped lines. */
  take(key: string, now: number): { log: boolean; suppressed: number } {
    const w = this.windows.get(key);
    if (!w || now - w.start >= this.windowMs) {
      const suppressed = w ? Math.max(0, w.count - this.perWindow) : 0;
      this.windows.set(key, { start: now, count: 1 });
      return { log: true, suppressed };
    }
    w.count++;
    return { log: w.count <= this.perWindow, suppressed: 0 };
  }
}
