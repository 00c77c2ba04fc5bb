/**
 * The open-loop load generator: command n is due at t0 + n / rate whatever happened to the
 * ones before it (a slow service does not slow the arrivals down), sent as POST /commands over
 * a pool of keep-alive HTTP connections. Every command carries its own id (the idempotency
 * key), so a request whose connection broke before an answer is simply sent again.
 *
 * Time: the schedule runs on the monotonic clock; each window also records the wall-clock time
 * of its first due instant (calibrated to a few µs), so that the ledger's `recorded_at` can be
 * compared with the moment a command was due.
 */
import http from 'node:http';
import { maxOf, percentile } from './stats.js';

export interface LoadPlan {
  /** Commands per second. */
  readonly rate: number;
  readonly seconds: number;
  /** Commands are grouped in windows of this many seconds (one window: the whole run). */
  readonly windowSeconds?: number;
  readonly commandId: (seq: number, window: number) => string;
  readonly deviceId: (seq: number) => string;
  /** Called when a window's last command has been sent. */
  readonly onWindowSent?: (window: number) => void;
}

export interface WindowReport {
  readonly index: number;
  readonly firstSeq: number;
  /** Commands due in this window. */
  readonly count: number;
  /** Wall-clock ms (fractional) when `firstSeq` was due; command n was due `(n - firstSeq) / rate` later. */
  readonly firstDueAt: number;
  readonly intervalMs: number;
  /** Answers by HTTP status or error code (`201`, `ECONNREFUSED`, `timeout`, …). */
  readonly answers: Readonly<Record<string, number>>;
  /** Due → response, ms. */
  readonly post: { readonly p50: number; readonly p99: number; readonly max: number };
  /** Due → handed to the HTTP client: how far behind its own schedule the generator ran. */
  readonly lag: { readonly p99: number; readonly max: number };
  readonly retries: number;
}

/** The wall clock minus the monotonic clock, in ms: exact to a few µs (spins ≤ 1 ms). */
export function wallClockOffset(): number {
  const start = Date.now();
  let now = start;
  while (now === start) now = Date.now();
  return now - performance.now();
}

const REQUEST_TIMEOUT_MS = 30_000;
const RETRIES = 2;
/** After the last command is due: how long unanswered requests may still take. */
const SETTLE_MS = 45_000;

export class LoadGenerator {
  private readonly agent: http.Agent;
  private readonly url: URL;
  /** Set by `close`: a run in progress stops issuing and returns what it has. */
  private readonly stopped = new AbortController();

  constructor(
    baseUrl: string,
    /** Concurrent HTTP connections at most; more requests wait in the client's queue. */
    readonly connections: number,
  ) {
    this.url = new URL('/commands', baseUrl);
    this.agent = new http.Agent({ keepAlive: true, maxSockets: connections, scheduling: 'fifo' });
  }

  close(): void {
    this.stopped.abort();
    this.agent.destroy();
  }

  async run(plan: LoadPlan): Promise<WindowReport[]> {
    const intervalMs = 1000 / plan.rate;
    const total = Math.round(plan.rate * plan.seconds);
    const perWindow = Math.round(plan.rate * (plan.windowSeconds ?? plan.seconds));
    const windows: {
      firstSeq: number;
      count: number;
      firstDueAt: number;
      answers: Record<string, number>;
      post: number[];
      lag: number[];
      retries: number;
      pending: number;
    }[] = [];
    const reports: WindowReport[] = [];
    let settledAll: () => void = () => undefined;
    const allSettled = new Promise<void>((r) => (settledAll = r));
    let outstanding = 0;

    const finishWindow = (w: number): void => {
      const s = windows[w]!;
      reports[w] = {
        index: w,
        firstSeq: s.firstSeq,
        count: s.count,
        firstDueAt: s.firstDueAt,
        intervalMs,
        answers: s.answers,
        post: summary(s.post),
        lag: { p99: percentile(s.lag, 0.99), max: maxOf(s.lag) },
        retries: s.retries,
      };
      s.post = s.lag = []; // a soak keeps only the summaries
    };

    const t0 = performance.now() + 20;
    let seq = 0;
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((allSent) => {
      const tick = (): void => {
        if (this.stopped.signal.aborted) return allSent();
        const now = performance.now();
        const due = Math.min(total, Math.floor((now - t0) / intervalMs) + 1);
        for (; seq < due; seq++) {
          const w = Math.floor(seq / perWindow);
          if (!windows[w]) {
            const dueAt = t0 + seq * intervalMs;
            windows[w] = {
              firstSeq: seq,
              count: Math.min(perWindow, total - seq),
              firstDueAt: dueAt + wallClockOffset(),
              answers: {},
              post: [],
              lag: [],
              retries: 0,
              pending: 0,
            };
          }
          const window = windows[w]!;
          const dueAt = t0 + seq * intervalMs;
          window.lag.push(performance.now() - dueAt);
          window.pending++;
          outstanding++;
          const body = JSON.stringify({
            commandId: plan.commandId(seq, w),
            deviceId: plan.deviceId(seq),
            name: 'set-speed',
            payload: { rpm: 1000 + (seq % 1000) },
          });
          void this.post(body).then(({ answer, retries }) => {
            window.answers[answer] = (window.answers[answer] ?? 0) + 1;
            window.post.push(performance.now() - dueAt);
            window.retries += retries;
            window.pending--;
            if (window.pending === 0 && seq > window.firstSeq + window.count - 1) finishWindow(w);
            if (--outstanding === 0 && seq >= total) settledAll();
          });
          if (seq === window.firstSeq + window.count - 1) plan.onWindowSent?.(w);
        }
        if (seq < total) {
          timer = setTimeout(tick, Math.max(0, Math.min(1, t0 + seq * intervalMs - now)));
        } else allSent();
      };
      timer = setTimeout(tick, 20);
    });
    clearTimeout(timer);
    if (outstanding > 0 && !this.stopped.signal.aborted) {
      let t: NodeJS.Timeout | undefined;
      const stop = new Promise((r) => this.stopped.signal.addEventListener('abort', r));
      await Promise.race([allSettled, stop, new Promise((r) => (t = setTimeout(r, SETTLE_MS)))]);
      clearTimeout(t);
    }
    // Windows with requests still unanswered after SETTLE_MS: report what came back.
    windows.forEach((s, w) => {
      if (!reports[w]) {
        if (s.pending > 0) s.answers.unanswered = s.pending;
        finishWindow(w);
      }
    });
    return reports;
  }

  /** One POST; resends (same commandId, so idempotent) when the connection broke without an answer. */
  private async post(body: string): Promise<{ answer: string; retries: number }> {
    for (let attempt = 0; ; attempt++) {
      const answer = await this.once(body);
      const retryable =
        answer === 'ECONNRESET' || answer === 'EPIPE' || answer === 'socket hang up';
      if (!retryable || attempt >= RETRIES) return { answer, retries: attempt };
    }
  }

  private once(body: string): Promise<string> {
    return new Promise((resolve) => {
      const req = http.request(
        this.url,
        {
          method: 'POST',
          agent: this.agent,
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
          },
          timeout: REQUEST_TIMEOUT_MS,
        },
        (res) => {
          res.resume();
          res.once('end', () => resolve(String(res.statusCode)));
          res.once('error', () => resolve('response error'));
        },
      );
      req.once('timeout', () => req.destroy(new Error('timeout')));
      req.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
      req.end(body);
    });
  }
}

const summary = (values: number[]) => ({
  p50: percentile(values, 0.5),
  p99: percentile(values, 0.99),
  max: maxOf(values),
});
