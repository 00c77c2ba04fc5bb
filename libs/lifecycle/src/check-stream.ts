import { type CommandEvent, type CommandState, TRANSITIONS, canApply, evolve } from './command.js';
import { attemptId } from './identity.js';

export type ViolationKind =
  | 'unknown_event_type'
  | 'first_event_not_requested'
  | 'revision_gap'
  | 'illegal_transition'
  | 'second_terminal'
  | 'second_late_observation'
  | 'bad_retry_link';

export interface Violation {
  readonly commandId: string;
  readonly revision: bigint;
  readonly kind: ViolationKind;
  readonly detail: string;
}

export interface StoredCommandEvent {
  readonly revision: bigint;
  readonly type: string;
  readonly data: unknown;
}

/**
 * The ledger's fsck for one stream: every rule of CONTRACT.md section 1 that a stream alone can
 * break. Returns the violations and the state folded from the legal prefix.
 */
export function checkStream(
  commandId: string,
  events: readonly StoredCommandEvent[],
): { violations: Violation[]; state: CommandState | null } {
  const violations: Violation[] = [];
  const flag = (revision: bigint, kind: ViolationKind, detail: string) =>
    violations.push({ commandId, revision, kind, detail });
  let state: CommandState | null = null;
  let terminals = 0;
  let lates = 0;
  events.forEach((e, i) => {
    if (e.revision !== BigInt(i)) flag(e.revision, 'revision_gap', `expected revision ${i}`);
    if (!Object.hasOwn(TRANSITIONS, e.type)) return flag(e.revision, 'unknown_event_type', e.type);
    const event = { type: e.type, data: e.data } as CommandEvent;
    if (i === 0 && e.type !== 'CommandRequested')
      flag(e.revision, 'first_event_not_requested', e.type);
    const rank = TRANSITIONS[event.type].rank;
    if (rank === 3 && ++terminals > 1) flag(e.revision, 'second_terminal', e.type);
    if (rank === 4 && ++lates > 1) flag(e.revision, 'second_late_observation', e.type);
    if (!canApply(state, event)) {
      return flag(
        e.revision,
        'illegal_transition',
        `${e.type} after ${state?.status ?? 'no stream'}`,
      );
    }
    state = evolve(state, event);
  });
  const s = state as CommandState | null;
  if (s) {
    const linkOk =
      s.commandId === commandId &&
      attemptId(s.rootCommandId, s.attempt) === commandId &&
      (s.attempt === 1
        ? s.retryOf === null
        : s.retryOf === attemptId(s.rootCommandId, s.attempt - 1));
    if (!linkOk) flag(0n, 'bad_retry_link', `attempt ${s.attempt}, retryOf ${s.retryOf ?? 'null'}`);
  }
  return { violations, state: s };
}
