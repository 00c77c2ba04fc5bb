import {
  type AbortPolicy,
  type CommandStatus,
  type FleetState,
  type FleetStatus,
  type FleetTarget,
  type RolloutPolicy,
  STATUSES,
  isContinuous,
} from '@ratchet/lifecycle';
import type { FleetRow } from '@ratchet/read-models';

/** A fleet command as the API returns it (CONTRACT.md section 6). */
export interface FleetView {
  readonly fleetCommandId: string;
  readonly status: FleetStatus;
  readonly name: string;
  readonly target: FleetTarget;
  readonly rollout: RolloutPolicy;
  readonly abort: AbortPolicy | null;
  readonly createdAt: string;
  /** When it became completed, aborted or cancelled. */
  readonly completedAt: string | null;
  /** Devices targeted: the deviceIds, or the group's members at creation (and, continuous, since). */
  readonly targets: number;
  readonly counts: Readonly<Record<CommandStatus | 'not_created', number>>;
}

/**
 * What the fleet stream says (status, request: exact) with the children's counts from
 * `fleet_progress` (which may lag; `null` before it has seen the fleet: nothing created yet).
 */
export function toFleetView(
  s: Pick<
    FleetState,
    'fleetCommandId' | 'status' | 'request' | 'requestedAt' | 'endedAt' | 'targets' | 'created'
  >,
  progress: Pick<FleetRow, 'counts'> | null,
): FleetView {
  const counts = Object.fromEntries(
    STATUSES.map((st) => [st, progress?.counts[st] ?? 0]),
  ) as Record<CommandStatus, number>;
  const children = STATUSES.reduce((n, st) => n + counts[st], 0);
  const targets = isContinuous(s.request.target) ? Math.max(s.targets, s.created) : s.targets;
  return {
    fleetCommandId: s.fleetCommandId,
    status: s.status,
    name: s.request.name,
    target: s.request.target,
    rollout: s.request.rollout,
    abort: s.request.abort,
    createdAt: s.requestedAt,
    completedAt: s.endedAt,
    targets,
    counts: { ...counts, not_created: Math.max(0, targets - children) },
  };
}

/** A view from the read model alone (the list). */
export const fleetViewOfRow = (r: FleetRow): FleetView =>
  toFleetView({ ...r, endedAt: r.endedAt }, r);
