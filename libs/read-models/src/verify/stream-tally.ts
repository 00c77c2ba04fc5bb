import {
  attemptId,
  type CommandEvent,
  type CommandRequestedData,
  type CommandState,
  type CommandStatus,
  canApply,
  EVENT_TYPES,
  TRANSITIONS,
  type ViolationKind,
} from '@ratchet/lifecycle';
import { issuerOf } from '../command-status/fold-recorded-event.js';

/** `checkStream`'s kinds, and what only the whole log can show about retry links. */
export type LedgerViolationKind = ViolationKind | 'retry_target_missing' | 'retry_not_owed';

export interface LedgerViolation {
  readonly commandId: string;
  readonly revision: bigint;
  readonly kind: LedgerViolationKind;
  readonly detail: string;
}

export type Flag = (
  commandId: string,
  revision: bigint,
  kind: LedgerViolationKind,
  detail: string,
) => void;

/** What the CommandRequested that opened the stream said about the attempt. */
export interface RequestFacts {
  readonly deviceId: string;
  readonly attempt: number;
  readonly retryOf: string | null;
  readonly retryOn: readonly string[];
  readonly maxAttempts: number;
  /** `checkStream`'s link rule, or its failure as the detail it reports. */
  readonly badLink: string | null;
}

interface EventFacts {
  readonly revision: bigint;
  readonly type: string;
  readonly data: unknown;
  /** metadata.issuedBy (the SQL log reader's column), or the metadata it is in. */
  readonly issuedBy?: string | null;
  readonly metadata?: Readonly<Record<string, unknown>> | null;
}

/** `canApply` reads only the status and the rank. */
const view = (status: CommandStatus | null, rank: number): CommandState | null =>
  status === null ? null : ({ status, rank } as CommandState);

const LIFECYCLE = new Set<string>(EVENT_TYPES);

/**
 * One stream's running tally for `verify`, fed event by event in log order, so that the log
 * is read once in global batches rather than stream by stream. It keeps only what the rules
 * need: the checker's status and rank (the rules of `checkStream`, which the spec holds it
 * to), and the projection's own fold (status, revision) up to the read model's checkpoint.
 */
export class StreamTally {
  /** Events seen: the revision the next one must have. */
  count = 0;
  status: CommandStatus | null = null;
  rank = -1;
  terminals = 0;
  lates = 0;
  request: RequestFacts | null = null;
  /** The command_status projection's fold of the events up to its checkpoint. */
  projected: CommandStatus | null = null;
  projectedRank = -1;
  projectedRevision = -1n;
  /** metadata.issuedBy of the CommandRequested the projection folded: command_status.issued_by. */
  projectedIssuer: string | null = null;

  /** The per-event rules of checkStream, in its order. */
  check(commandId: string, e: EventFacts, flag: Flag): void {
    const i = this.count++;
    if (e.revision !== BigInt(i))
      flag(commandId, e.revision, 'revision_gap', `expected revision ${i}`);
    if (!Object.hasOwn(TRANSITIONS, e.type))
      return flag(commandId, e.revision, 'unknown_event_type', e.type);
    const event = { type: e.type, data: e.data } as CommandEvent;
    if (i === 0 && e.type !== 'CommandRequested')
      flag(commandId, e.revision, 'first_event_not_requested', e.type);
    const rule = TRANSITIONS[event.type];
    if (rule.rank === 3 && ++this.terminals > 1)
      flag(commandId, e.revision, 'second_terminal', e.type);
    if (rule.rank === 4 && ++this.lates > 1)
      flag(commandId, e.revision, 'second_late_observation', e.type);
    if (!canApply(view(this.status, this.rank), event)) {
      return flag(
        commandId,
        e.revision,
        'illegal_transition',
        `${e.type} after ${this.status ?? 'no stream'}`,
      );
    }
    this.status = rule.to ?? this.status;
    this.rank = rule.rank;
    if (event.type === 'CommandRequested') this.request = requestFacts(commandId, event.data);
  }

  /** The projection's fold (fold-recorded-event.ts): stale and refused events change nothing. */
  project(e: EventFacts): void {
    if (!LIFECYCLE.has(e.type)) return;
    if (this.projected !== null && e.revision <= this.projectedRevision) return;
    const event = { type: e.type, data: e.data } as CommandEvent;
    if (!canApply(view(this.projected, this.projectedRank), event)) return;
    const rule = TRANSITIONS[event.type];
    this.projected = rule.to ?? this.projected;
    this.projectedRank = rule.rank;
    this.projectedRevision = e.revision;
    if (event.type === 'CommandRequested') this.projectedIssuer = issuerOf(e);
  }

  /** checkStream's last rule, on the folded state. */
  finish(commandId: string, flag: Flag): void {
    if (this.status !== null && this.request?.badLink)
      flag(commandId, 0n, 'bad_retry_link', this.request.badLink);
  }
}

const requestFacts = (commandId: string, data: CommandRequestedData): RequestFacts => {
  const { attempt, retryOf, rootCommandId } = data;
  let linkOk: boolean;
  try {
    linkOk =
      data.commandId === commandId &&
      attemptId(rootCommandId, attempt) === commandId &&
      (attempt === 1 ? retryOf === null : retryOf === attemptId(rootCommandId, attempt - 1));
  } catch {
    linkOk = false; // a malformed request (no root): checkStream itself would throw here
  }
  return {
    deviceId: data.deviceId,
    attempt,
    retryOf,
    retryOn: Array.isArray(data.retry?.on) ? data.retry.on : [],
    maxAttempts: data.retry?.maxAttempts ?? 1,
    badLink: linkOk ? null : `attempt ${attempt}, retryOf ${retryOf ?? 'null'}`,
  };
};

/**
 * Across streams: a retry's predecessor must exist, belong to the same device, and have ended
 * in a status its policy retries, below its attempt limit (decideRetry's rule).
 */
export const checkRetryTarget = (
  commandId: string,
  tally: StreamTally,
  tallies: ReadonlyMap<string, StreamTally>,
  flag: Flag,
): void => {
  const request = tally.request;
  if (!request || request.badLink || request.attempt === 1 || request.retryOf === null) return;
  const target = tallies.get(request.retryOf);
  const previous = target?.request;
  if (!target || !previous) {
    return flag(
      commandId,
      0n,
      'retry_target_missing',
      `retryOf ${request.retryOf}: no such command`,
    );
  }
  const owed =
    previous.deviceId === request.deviceId &&
    target.status !== null &&
    previous.retryOn.includes(target.status) &&
    previous.attempt < previous.maxAttempts;
  if (!owed) {
    flag(
      commandId,
      0n,
      'retry_not_owed',
      `retryOf ${request.retryOf} (device ${previous.deviceId}) ended ${target.status ?? 'nowhere'}, ` +
        `attempt ${previous.attempt} of ${previous.maxAttempts}, retried on [${previous.retryOn.join(', ')}]`,
    );
  }
};
