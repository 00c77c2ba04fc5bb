/**
 * What happened to the commands of one window, read from the ledger's own events table after
 * the fact (no polling of the API while the load runs).
 *
 * Latency "issue → executed" = `recorded_at` of the command's `CommandExecuted` event minus the
 * wall-clock instant the load generator was due to send its POST. `recorded_at` is `now()` of
 * the appending transaction, i.e. the start of the append that records the result (its commit
 * follows within that append); the PostgreSQL server, PGlite and the generator read the same
 * machine clock. Measured from the due instant, so a generator running late counts against the
 * ledger, never for it.
 */
import type { WindowReport } from './load.js';
import { percentiles } from './stats.js';

export type QueryRows = (sql: string, params: unknown[]) => Promise<Record<string, unknown>[]>;

export interface WindowOutcome {
  readonly issued: number;
  readonly executed: number;
  /** Other terminal statuses (timed_out, failed, …) by event type. */
  readonly otherTerminal: Readonly<Record<string, number>>;
  /** Streams found without a terminal event, plus commands never found. */
  readonly unfinished: number;
  /** Events appended to the window's command streams (every transition). */
  readonly transitions: number;
  /** From the first due instant to the last CommandExecuted, s. */
  readonly spanSeconds: number;
  readonly executedPerSecond: number;
  readonly transitionsPerSecond: number;
  /** Issue → executed, ms. */
  readonly latency: {
    readonly p50: number;
    readonly p95: number;
    readonly p99: number;
    readonly max: number;
  };
  /** Where the time goes, ms (see `Stages`). */
  readonly stages: Stages;
  /** Commands whose CommandSent was appended after their CommandAcknowledged (a race the ack won). */
  readonly sentAfterAck: number;
}

export interface Quantiles {
  readonly p50: number;
  readonly p99: number;
}

/**
 * The path of one command, from timestamps: the generator's due instant, the ledger's
 * `recorded_at` of each event, and the moment the intent reached its device (which then
 * published its ack and its result in the same tick).
 */
export interface Stages {
  /** Due → CommandRequested recorded: HTTP, validation, the read before the append. */
  readonly issue: Quantiles;
  /** CommandRequested → intent at the device: dispatch (read, publish), broker. */
  readonly dispatch: Quantiles;
  /** Intent at the device → CommandAcknowledged recorded: broker, the ledger's inbox queue, read. */
  readonly ack: Quantiles;
  /** CommandAcknowledged → CommandExecuted recorded: the result, published with the ack, waits its turn. */
  readonly result: Quantiles;
}

const TERMINAL_OTHER = new Set([
  'CommandFailed',
  'CommandTimedOut',
  'CommandCancelled',
  'CommandExpired',
]);

/** `command-<prefix>…`: every stream of the window shares the prefix of its command ids. */
export async function windowOutcome(
  query: QueryRows,
  idPrefix: string,
  window: WindowReport,
  /** Command id → when its intent reached the device (wall-clock ms), if known. */
  intents?: ReadonlyMap<string, number>,
): Promise<WindowOutcome> {
  const rows = await query(
    `SELECT stream_id, type, (extract(epoch FROM recorded_at) * 1000)::float8 AS at
       FROM events WHERE stream_id LIKE $1`,
    [`command-${idPrefix}%`],
  );
  const executedAt = new Map<string, number>();
  const requestedAt = new Map<string, number>();
  const sentAt = new Map<string, number>();
  const acknowledgedAt = new Map<string, number>();
  const other: Record<string, number> = {};
  for (const r of rows) {
    const stream = String(r.stream_id);
    const type = String(r.type);
    const at = Number(r.at);
    if (type === 'CommandExecuted') executedAt.set(stream, at);
    else if (type === 'CommandRequested') requestedAt.set(stream, at);
    else if (type === 'CommandSent') sentAt.set(stream, at);
    else if (type === 'CommandAcknowledged') acknowledgedAt.set(stream, at);
    else if (TERMINAL_OTHER.has(type)) other[type] = (other[type] ?? 0) + 1;
  }
  const dueAt = (stream: string): number =>
    window.firstDueAt + (seqOf(stream) - window.firstSeq) * window.intervalMs;
  const latencies: number[] = [];
  let last = window.firstDueAt;
  for (const [stream, at] of executedAt) {
    latencies.push(at - dueAt(stream));
    if (at > last) last = at;
  }
  const issue: number[] = [];
  const dispatch: number[] = [];
  const ack: number[] = [];
  const result: number[] = [];
  let sentAfterAck = 0;
  for (const [stream, requested] of requestedAt) {
    issue.push(requested - dueAt(stream));
    const atDevice = intents?.get(stream.slice('command-'.length));
    const acknowledged = acknowledgedAt.get(stream);
    const executed = executedAt.get(stream);
    if (atDevice !== undefined) dispatch.push(atDevice - requested);
    if (atDevice !== undefined && acknowledged !== undefined) ack.push(acknowledged - atDevice);
    if (acknowledged !== undefined && executed !== undefined) result.push(executed - acknowledged);
    const sent = sentAt.get(stream);
    if (sent !== undefined && acknowledged !== undefined && sent > acknowledged) sentAfterAck++;
  }
  const q = (values: number[]): Quantiles => {
    const [p50, p99] = percentiles(values, [0.5, 0.99]);
    return { p50: p50!, p99: p99! };
  };
  const [p50, p95, p99, max] = percentiles(latencies, [0.5, 0.95, 0.99, 1]);
  const spanSeconds = (last - window.firstDueAt) / 1000;
  const terminalOther = Object.values(other).reduce((a, b) => a + b, 0);
  return {
    issued: window.count,
    executed: executedAt.size,
    otherTerminal: other,
    unfinished: window.count - executedAt.size - terminalOther,
    transitions: rows.length,
    spanSeconds,
    executedPerSecond: spanSeconds > 0 ? executedAt.size / spanSeconds : 0,
    transitionsPerSecond: spanSeconds > 0 ? rows.length / spanSeconds : 0,
    latency: { p50: p50!, p95: p95!, p99: p99!, max: max! },
    stages: { issue: q(issue), dispatch: q(dispatch), ack: q(ack), result: q(result) },
    sentAfterAck,
  };
}

/** The command ids the generator uses: `<run:8>-<window:4>-4000-8000-<seq:12>`, all hex. */
export const commandIdFor = (run: string, window: number, seq: number): string =>
  `${windowPrefix(run, window)}4000-8000-${seq.toString(16).padStart(12, '0')}`;

export const windowPrefix = (run: string, window: number): string =>
  `${run}-${window.toString(16).padStart(4, '0')}-`;

const seqOf = (stream: string): number => parseInt(stream.slice(-12), 16);
