/**
 * The command lifecycle as data: statuses, events, ranks, the transition table, and `evolve`.
 * Pure: no framework, no I/O, no clock. CONTRACT.md section 1 is the specification.
 */
export const STATUSES = [
  'requested',
  'sent',
  'acknowledged',
  'executed',
  'failed',
  'timed_out',
  'cancelled',
  'expired',
] as const;
export type CommandStatus = (typeof STATUSES)[number];

export const TERMINAL_STATUSES = [
  'executed',
  'failed',
  'timed_out',
  'cancelled',
  'expired',
] as const;
export type TerminalStatus = (typeof TERMINAL_STATUSES)[number];
export const isTerminal = (s: CommandStatus): s is TerminalStatus =>
  (TERMINAL_STATUSES as readonly string[]).includes(s);

/** A terminal status that the device did not decide: a result arriving after it is "late". */
export type ClosedWithoutResult = 'timed_out' | 'cancelled' | 'expired';
export type ResultStatus = 'executed' | 'failed';
export type RetryableStatus = 'timed_out' | 'failed';

export interface RetryPolicy {
  readonly maxAttempts: number;
  readonly on: readonly RetryableStatus[];
}

export interface CommandRequestedData {
  readonly commandId: string;
  readonly deviceId: string;
  readonly name: string;
  readonly payload: Readonly<Record<string, unknown>>;
  readonly requestedAt: string;
  readonly ackTimeoutMs: number;
  readonly timeoutMs: number;
  readonly expiresInMs: number;
  readonly retry: RetryPolicy;
  readonly attempt: number;
  readonly retryOf: string | null;
  /** The first attempt's id: the root from which every attempt's id is derived. */
  readonly rootCommandId: string;
  /** Canonical hash of the issuing request, for idempotent re-issue (same id, same body). */
  readonly fingerprint: string;
}

export type CommandEvent =
  | { readonly type: 'CommandRequested'; readonly data: CommandRequestedData }
  | { readonly type: 'CommandSent'; readonly data: { readonly at: string } }
  | { readonly type: 'CommandAcknowledged'; readonly data: { readonly at: string } }
  | {
      readonly type: 'CommandExecuted';
      readonly data: { readonly at: string; readonly output?: unknown };
    }
  | {
      readonly type: 'CommandFailed';
      readonly data: {
        readonly at: string;
        readonly error: string | null;
        readonly output?: unknown;
      };
    }
  | {
      readonly type: 'CommandTimedOut';
      readonly data: { readonly at: string; readonly stage: 'ack' | 'result' };
    }
  | {
      readonly type: 'CommandCancelled';
      readonly data: { readonly at: string; readonly reason: string | null };
    }
  | { readonly type: 'CommandExpired'; readonly data: { readonly at: string } }
  | { readonly type: 'CommandLateResultObserved'; readonly data: LateResult };
export type CommandEventType = CommandEvent['type'];

export interface LateResult {
  readonly at: string;
  readonly status: ResultStatus;
  readonly output?: unknown;
  readonly error: string | null;
}

/**
 * The transition table: which statuses each event may follow, and where it leads.
 * `null` in `from` is "no stream yet"; `to: null` keeps the status (an observation).
 */
export const TRANSITIONS: Readonly<
  Record<
    CommandEventType,
    {
      readonly rank: number;
      readonly from: readonly (CommandStatus | null)[];
      readonly to: CommandStatus | null;
    }
  >
> = {
  CommandRequested: { rank: 0, from: [null], to: 'requested' },
  CommandSent: { rank: 1, from: ['requested'], to: 'sent' },
  CommandAcknowledged: { rank: 2, from: ['requested', 'sent'], to: 'acknowledged' },
  CommandExecuted: { rank: 3, from: ['requested', 'sent', 'acknowledged'], to: 'executed' },
  CommandFailed: { rank: 3, from: ['requested', 'sent', 'acknowledged'], to: 'failed' },
  CommandTimedOut: { rank: 3, from: ['sent', 'acknowledged'], to: 'timed_out' },
  CommandCancelled: { rank: 3, from: ['requested'], to: 'cancelled' },
  CommandExpired: { rank: 3, from: ['requested'], to: 'expired' },
  CommandLateResultObserved: { rank: 4, from: ['timed_out', 'cancelled', 'expired'], to: null },
};
export const EVENT_TYPES = Object.keys(TRANSITIONS) as CommandEventType[];

export interface CommandState {
  readonly commandId: string;
  readonly deviceId: string;
  readonly name: string;
  readonly payload: Readonly<Record<string, unknown>>;
  readonly status: CommandStatus;
  /** Revision of the last event folded (0-based): the expected revision of the next append. */
  readonly revision: bigint;
  readonly rank: number;
  readonly attempt: number;
  readonly retryOf: string | null;
  readonly rootCommandId: string;
  readonly retry: RetryPolicy;
  readonly ackTimeoutMs: number;
  readonly timeoutMs: number;
  readonly expiresInMs: number;
  readonly fingerprint: string;
  readonly requestedAt: string;
  readonly sentAt: string | null;
  readonly acknowledgedAt: string | null;
  readonly completedAt: string | null;
  readonly result: unknown;
  readonly error: string | null;
  readonly timedOutStage: 'ack' | 'result' | null;
  readonly lateResult: LateResult | null;
}

/** May `event` follow `state`? The table plus the rank rule; `evolve` trusts this was checked. */
export function canApply(state: CommandState | null, event: CommandEvent): boolean {
  const t = TRANSITIONS[event.type];
  return t.from.includes(state ? state.status : null) && (!state || t.rank > state.rank);
}

export class IllegalTransitionError extends Error {
  override readonly name = 'IllegalTransitionError';
  constructor(
    readonly from: CommandStatus | null,
    readonly eventType: CommandEventType,
  ) {
    super(`illegal transition: ${eventType} after ${from ?? 'no stream'}`);
  }
}

export function evolve(state: CommandState | null, event: CommandEvent): CommandState {
  if (!canApply(state, event)) throw new IllegalTransitionError(state?.status ?? null, event.type);
  if (event.type === 'CommandRequested') {
    const d = event.data;
    return {
      ...d,
      status: 'requested',
      revision: 0n,
      rank: 0,
      sentAt: null,
      acknowledgedAt: null,
      completedAt: null,
      result: null,
      error: null,
      timedOutStage: null,
      lateResult: null,
    };
  }
  const s = state as CommandState;
  const t = TRANSITIONS[event.type];
  const next: CommandState = {
    ...s,
    revision: s.revision + 1n,
    rank: t.rank,
    status: t.to ?? s.status,
  };
  switch (event.type) {
    case 'CommandSent':
      return { ...next, sentAt: event.data.at };
    case 'CommandAcknowledged':
      return { ...next, acknowledgedAt: event.data.at };
    case 'CommandExecuted':
      return { ...next, completedAt: event.data.at, result: event.data.output ?? null };
    case 'CommandFailed':
      return {
        ...next,
        completedAt: event.data.at,
        result: event.data.output ?? null,
        error: event.data.error,
      };
    case 'CommandTimedOut':
      return { ...next, completedAt: event.data.at, timedOutStage: event.data.stage };
    case 'CommandCancelled':
    case 'CommandExpired':
      return { ...next, completedAt: event.data.at };
    case 'CommandLateResultObserved':
      return { ...next, lateResult: event.data };
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
}

/** Fold a whole stream; `null` for an empty one. Throws on an illegal sequence. */
export const fold = (events: readonly CommandEvent[]): CommandState | null =>
  events.reduce<CommandState | null>(evolve, null);
