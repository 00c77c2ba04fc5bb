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

/** `when_online` (the default): wait while the device is `offline`; `immediate`: send whatever the presence. */
export type DeliveryMode = 'when_online' | 'immediate';
export const DELIVERY_MODES: readonly DeliveryMode[] = ['when_online', 'immediate'];

/** A per-device queue (CONTRACT.md rules 8 and 10): one command of a key in flight at a time. */
export interface CommandQueueSpec {
  readonly key: string;
  readonly supersede: boolean;
}

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
  /** Absent in version-1 events: read as `when_online` (a v1 device's presence is unknown). */
  readonly delivery?: DeliveryMode;
  /** Absent in version-1 events: no queue. */
  readonly queue?: CommandQueueSpec | null;
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
      readonly data: {
        readonly at: string;
        readonly reason: string | null;
        /** With reason `superseded` (rule 10): the command that superseded this one. */
        readonly supersededBy?: string;
      };
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
  readonly delivery: DeliveryMode;
  readonly queue: CommandQueueSpec | null;
  readonly requestedAt: string;
  readonly sentAt: string | null;
  readonly acknowledgedAt: string | null;
  readonly completedAt: string | null;
  readonly result: unknown;
  readonly error: string | null;
  readonly timedOutStage: 'ack' | 'result' | null;
  readonly lateResult: LateResult | null;
  /** Cancelled as `superseded` (rule 10): by which command. */
  readonly supersededBy: string | null;
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
      delivery: d.delivery ?? 'when_online',
      queue: d.queue ?? null,
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
      supersededBy: null,
    };
  }
  const s = state as CommandState;
  const t = TRANSITIONS[event.type];
  // One copy of the state per event (it is folded by every projection, for every event).
  return {
    ...s,
    revision: s.revision + 1n,
    rank: t.rank,
    status: t.to ?? s.status,
    ...changesOf(event),
  };
}

/** What an event sets besides status, rank and revision. */
function changesOf(
  event: Exclude<CommandEvent, { type: 'CommandRequested' }>,
): Partial<CommandState> {
  switch (event.type) {
    case 'CommandSent':
      return { sentAt: event.data.at };
    case 'CommandAcknowledged':
      return { acknowledgedAt: event.data.at };
    case 'CommandExecuted':
      return { completedAt: event.data.at, result: event.data.output ?? null };
    case 'CommandFailed':
      return {
        completedAt: event.data.at,
        result: event.data.output ?? null,
        error: event.data.error,
      };
    case 'CommandTimedOut':
      return { completedAt: event.data.at, timedOutStage: event.data.stage };
    case 'CommandCancelled':
      return { completedAt: event.data.at, supersededBy: event.data.supersededBy ?? null };
    case 'CommandExpired':
      return { completedAt: event.data.at };
    case 'CommandLateResultObserved':
      return { lateResult: event.data };
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
}

/** Fold a whole stream; `null` for an empty one. Throws on an illegal sequence. */
export const fold = (events: readonly CommandEvent[]): CommandState | null =>
  events.reduce<CommandState | null>(evolve, null);
