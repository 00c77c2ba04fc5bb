/**
 * What the client side of the run knows, to be held against the log afterwards: which commands
 * were answered 201/200 (they must exist), what every answer showed (a state the log must have
 * gone through), how cancellations and re-issues were answered.
 */
import type { CommandKind } from './command-mix.js';

export interface IssuedCommand {
  readonly commandId: string;
  readonly kind: CommandKind;
  readonly body: Readonly<Record<string, unknown>>;
  /** `accepted`: some try was answered 201 or 200; `unanswered`: none was (it may or may not exist). */
  outcome: 'pending' | 'accepted' | 'unanswered';
  created: boolean;
  tries: number;
  /** Every answer to the cancel request: 'cancelled' (200), 'refused' (409), 'unknown' (no answer). */
  readonly cancels: ('cancelled' | 'refused' | 'unknown')[];
}

export interface Observation {
  readonly commandId: string;
  readonly status: string;
  readonly revision: number;
  readonly via: string;
}

export interface Reissue {
  readonly commandId: string;
  readonly sameBody: boolean;
  readonly status: number | 'unknown';
}

export class ClientRecord {
  readonly commands = new Map<string, IssuedCommand>();
  /** Fleet commands sent (accepted or not): their children are commands the client caused. */
  readonly fleets = new Set<string>();
  /** Answers to the fleet controls, by status. */
  readonly fleetControls = new Map<string, number>();
  /** In acceptance order, for re-issues and probes (drawn by position). */
  readonly accepted: string[] = [];
  readonly observations: Observation[] = [];
  readonly reissues: Reissue[] = [];
  /** Answers no correct ledger gives (a 400 to a valid body, a 409 to the same body, ...). */
  readonly unexpected: string[] = [];
  readonly httpErrors = new Map<string, number>();
  opsSkipped = 0;
  gets = 0;

  countError(what: string): void {
    this.httpErrors.set(what, (this.httpErrors.get(what) ?? 0) + 1);
  }

  observe(commandId: string, view: unknown, via: string): void {
    const v = view as { status?: unknown; revision?: unknown } | null;
    if (v && typeof v.status === 'string' && typeof v.revision === 'number')
      this.observations.push({ commandId, status: v.status, revision: v.revision, via });
  }
}
