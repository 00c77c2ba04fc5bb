import type {
  CommandQueueSpec,
  CommandState,
  CommandStatus,
  DeliveryMode,
  LateResult,
  Waiting,
} from '@ratchet/lifecycle';

/** A command as the API returns it (CONTRACT.md section 2). */
export interface CommandView {
  readonly commandId: string;
  readonly deviceId: string;
  readonly name: string;
  readonly payload: Readonly<Record<string, unknown>>;
  readonly status: CommandStatus;
  readonly revision: number;
  readonly attempt: number;
  readonly retryOf: string | null;
  readonly retriedBy: string | null;
  readonly delivery: DeliveryMode;
  readonly queue: CommandQueueSpec | null;
  /** Why a `requested` command is held back (rule 8); `null` otherwise. */
  readonly waiting: Waiting | null;
  /** The command that superseded this one (rule 10). */
  readonly supersededBy: string | null;
  /** The fleet command a child belongs to (CONTRACT.md section 6); `null` for a lone command. */
  readonly fleetCommandId: string | null;
  readonly requestedAt: string;
  readonly sentAt: string | null;
  readonly acknowledgedAt: string | null;
  readonly completedAt: string | null;
  readonly result: unknown;
  readonly error: string | null;
  readonly lateResult: LateResult | null;
}

export const toCommandView = (
  s: CommandState,
  retriedBy: string | null,
  waiting: Waiting | null = null,
): CommandView => ({
  commandId: s.commandId,
  deviceId: s.deviceId,
  name: s.name,
  payload: s.payload,
  status: s.status,
  revision: Number(s.revision),
  attempt: s.attempt,
  retryOf: s.retryOf,
  retriedBy,
  // A version-1 row of the read model has neither: the version-2 defaults.
  delivery: s.delivery ?? 'when_online',
  queue: s.queue ?? null,
  waiting: s.status === 'requested' ? waiting : null,
  supersededBy: s.supersededBy ?? null,
  fleetCommandId: fleetOf(s),
  requestedAt: s.requestedAt,
  sentAt: s.sentAt,
  acknowledgedAt: s.acknowledgedAt,
  completedAt: s.completedAt,
  result: s.result ?? null,
  error: s.error,
  lateResult: s.lateResult,
});

/** A child's `CommandRequested` names its fleet; the fold keeps fields it does not know. */
const fleetOf = (s: CommandState): string | null => {
  const id = (s as { fleetCommandId?: unknown }).fleetCommandId;
  return typeof id === 'string' ? id : null;
};
