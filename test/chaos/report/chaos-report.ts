/** The outcome of a run: what the summary table prints and the CI test reads (as JSON). */
import type { LedgerFigures } from '../check/check-ledger.js';
import type { Violation } from '../check/violation.js';
import type { Counters } from '../metrics/metrics-tracker.js';

export interface ChaosReport {
  readonly ok: boolean;
  readonly seed: number;
  readonly minutes: number;
  readonly instances: number;
  readonly rate: number;
  readonly loadSeconds: number;
  readonly settleSeconds: number;
  readonly settled: boolean;
  readonly figures: LedgerFigures;
  readonly faults: Readonly<Record<string, number>>;
  readonly counters: Counters;
  readonly fleet: {
    readonly intents: number;
    readonly duplicatesSent: number;
    readonly spoofsSent: number;
    readonly replaysSent: number;
  };
  readonly httpErrors: Readonly<Record<string, number>>;
  /** Every HTTP answer the clients got, by status code. */
  readonly answersByStatus: Readonly<Record<string, number>>;
  readonly violations: number;
  readonly violationsByKind: Readonly<Record<string, number>>;
  readonly firstViolations: readonly Violation[];
  readonly lost: number;
  readonly logsDir: string | null;
}
