/**
 * `decide(input, state, now)`: what an input means for a command, as events to append at the
 * state's revision, an explicit "unchanged" with its reason, or a typed rejection.
 * Pure: time is an argument. Which status an event may follow is read from the table in
 * command.ts (TRANSITIONS), never restated here; the table is also the final guard.
 */
import {
  type CommandEvent,
  type CommandEventType,
  type CommandRequestedData,
  type CommandState,
  type ResultStatus,
  TRANSITIONS,
  canApply,
} from './command.js';
import { deadlinesOf, dueTimeout } from './deadlines.js';

export type CommandInput =
  | {
      readonly kind: 'issue';
      readonly command: CommandRequestedData;
      /** Fingerprints that also mean "the same request" (see issueFingerprints). */
      readonly equivalentFingerprints?: readonly string[];
    }
  | { readonly kind: 'mark_sent' }
  | { readonly kind: 'acknowledge'; readonly deviceId: string }
  | {
      readonly kind: 'record_result';
      readonly deviceId: string;
      readonly status: ResultStatus;
      readonly output?: unknown;
      readonly error?: string | null;
    }
  | { readonly kind: 'time_out' }
  | { readonly kind: 'expire' }
  | {
      readonly kind: 'cancel';
      readonly reason?: string | null;
      /** Rule 10: cancelled because this command (same device and queue key) superseded it. */
      readonly supersededBy?: string;
    };
export type InputKind = CommandInput['kind'];

export type UnchangedReason =
  /** The same fact is already recorded (a second ack, the same result again, a re-issue). */
  | 'duplicate'
  /** A later fact has overtaken it (an ack after a result, mark-sent after an ack). */
  | 'stale'
  /** An ack after the command was closed without a result (results are kept instead). */
  | 'late'
  /** The topic's device is not the command's device: a spoofing attempt. */
  | 'device_mismatch'
  | 'not_found'
  /** A timeout or expiry whose deadline has not come yet. */
  | 'not_due'
  /** Time does not apply to this status (e.g. a timeout while still `requested`). */
  | 'not_applicable';

export type RejectionCode = 'not_cancellable' | 'id_conflict';

export type Decision =
  | { readonly outcome: 'append'; readonly events: readonly CommandEvent[] }
  | { readonly outcome: 'unchanged'; readonly reason: UnchangedReason }
  | { readonly outcome: 'rejected'; readonly code: RejectionCode; readonly message: string };

const append = (...events: CommandEvent[]): Decision => ({ outcome: 'append', events });
const unchanged = (reason: UnchangedReason): Decision => ({ outcome: 'unchanged', reason });
/** Whether the table lets an event of `type` follow the command's status. */
const enters = (type: CommandEventType, s: CommandState): boolean =>
  TRANSITIONS[type].from.includes(s.status);
/** Closed without a result (timed out, cancelled, expired): where a late result is kept. */
const closedWithoutResult = (s: CommandState) => enters('CommandLateResultObserved', s);

export function decide(input: CommandInput, state: CommandState | null, now: Date): Decision {
  const at = now.toISOString();
  if (input.kind === 'issue') {
    if (!state) return append({ type: 'CommandRequested', data: input.command });
    return state.fingerprint === input.command.fingerprint ||
      (input.equivalentFingerprints ?? []).includes(state.fingerprint)
      ? unchanged('duplicate')
      : {
          outcome: 'rejected',
          code: 'id_conflict',
          message: `command ${state.commandId} was already issued with a different body`,
        };
  }
  if (!state) return unchanged('not_found');
  const decision = decideOn(input, state, now, at);
  // The table is the last word: decide never proposes an event the table forbids.
  if (decision.outcome === 'append' && !decision.events.every((e) => canApply(state, e))) {
    return unchanged('stale');
  }
  return decision;
}

function decideOn(
  input: Exclude<CommandInput, { kind: 'issue' }>,
  s: CommandState,
  now: Date,
  at: string,
): Decision {
  switch (input.kind) {
    case 'mark_sent':
      if (enters('CommandSent', s)) {
        // Past its expiry a command is never recorded as sent: it expires instead (the broker
        // drops the intent too, under MQTT 5), and a device's answer is kept as a late result.
        return now.getTime() >= deadlinesOf(s).expiresAt
          ? append({ type: 'CommandExpired', data: { at } })
          : append({ type: 'CommandSent', data: { at } });
      }
      return unchanged(s.status === 'sent' ? 'duplicate' : 'stale');
    case 'acknowledge':
      if (input.deviceId !== s.deviceId) return unchanged('device_mismatch');
      if (enters('CommandAcknowledged', s)) {
        return append({ type: 'CommandAcknowledged', data: { at } });
      }
      if (s.status === 'acknowledged') return unchanged('duplicate');
      return unchanged(closedWithoutResult(s) ? 'late' : 'stale');
    case 'record_result': {
      if (input.deviceId !== s.deviceId) return unchanged('device_mismatch');
      const error = input.status === 'failed' ? (input.error ?? null) : null;
      // CommandExecuted and CommandFailed follow the same statuses.
      if (enters('CommandExecuted', s)) {
        return append(
          input.status === 'executed'
            ? { type: 'CommandExecuted', data: { at, output: input.output } }
            : { type: 'CommandFailed', data: { at, error, output: input.output } },
        );
      }
      if (closedWithoutResult(s) && s.lateResult === null) {
        return append({
          type: 'CommandLateResultObserved',
          data: { at, status: input.status, output: input.output, error },
        });
      }
      const recorded = s.lateResult?.status ?? s.status;
      return unchanged(recorded === input.status ? 'duplicate' : 'stale');
    }
    case 'time_out': {
      if (s.status === 'timed_out') return unchanged('duplicate');
      // Before it was sent there is no deadline to miss; after it closed, nothing to time out.
      if (!enters('CommandTimedOut', s))
        return unchanged(s.status === 'requested' ? 'not_applicable' : 'stale');
      const stage = dueTimeout(s, now.getTime());
      return stage
        ? append({ type: 'CommandTimedOut', data: { at, stage } })
        : unchanged('not_due');
    }
    case 'expire':
      if (s.status === 'expired') return unchanged('duplicate');
      if (!enters('CommandExpired', s)) return unchanged('stale');
      return now.getTime() >= deadlinesOf(s).expiresAt
        ? append({ type: 'CommandExpired', data: { at } })
        : unchanged('not_due');
    case 'cancel':
      if (enters('CommandCancelled', s)) {
        return append({
          type: 'CommandCancelled',
          data:
            input.supersededBy === undefined
              ? { at, reason: input.reason ?? null }
              : { at, reason: 'superseded', supersededBy: input.supersededBy },
        });
      }
      if (s.status === 'cancelled') return unchanged('duplicate');
      return {
        outcome: 'rejected',
        code: 'not_cancellable',
        message: `command ${s.commandId} is ${s.status}: only a requested command can be cancelled`,
      };
    default: {
      const _exhaustive: never = input;
      return _exhaustive;
    }
  }
}
