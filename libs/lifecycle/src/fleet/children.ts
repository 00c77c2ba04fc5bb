/**
 * A fleet's children: ordinary commands whose ids derive from the fleet command's id and the
 * device id, so that instances racing to create a child create one (its `CommandRequested` is
 * appended at `no_stream`). A child's retries derive from the child's id like any command's
 * (`attemptId(childId, n)`), so they stay one per attempt too.
 */
import type { CommandRequestedData } from '../command.js';
import { fingerprintOf, uuidV5 } from '../identity.js';
import type { FleetRequest } from './fleet-request.js';
import type { FleetState, FleetStatus, TargetRef } from './fleet.js';

/** UUIDv5 under Ratchet's namespace; the device id keeps its case (device ids are case-sensitive). */
export const fleetChildId = (fleetCommandId: string, deviceId: string): string =>
  uuidV5(`${fleetCommandId.toLowerCase()}/device/${deviceId}`);

/** What a child carries beyond a command's request: its parent, and the fleet's delivery rules. */
export interface FleetChildFields {
  readonly fleetCommandId: string;
  readonly delivery: FleetRequest['delivery'];
  readonly queue: FleetRequest['queue'];
}
export type FleetChildCommand = CommandRequestedData & FleetChildFields;

/**
 * The child's request. `requestedAt` is the progress mark's time, so that whoever creates it
 * (the mark's writer, or a repair after a crash) writes the same event.
 */
export function childCommandOf(fleet: FleetState, deviceId: string, at: string): FleetChildCommand {
  const r = fleet.request;
  const commandId = fleetChildId(fleet.fleetCommandId, deviceId);
  return {
    commandId,
    deviceId,
    name: r.name,
    payload: r.payload,
    requestedAt: at,
    ackTimeoutMs: r.ackTimeoutMs,
    timeoutMs: r.timeoutMs,
    expiresInMs: r.expiresInMs,
    retry: r.retry,
    attempt: 1,
    retryOf: null,
    rootCommandId: commandId,
    fingerprint: fingerprintOf({ fleet: fleet.fingerprint, deviceId }),
    fleetCommandId: fleet.fleetCommandId,
    delivery: r.delivery,
    queue: r.queue,
  };
}

/**
 * The targets [fromIndex, fromIndex + count): from the request for a `deviceIds` target, else
 * the first of `next`, the targets read (from `group_members`) after the cursor.
 */
export function targetRefs(
  fleet: FleetState,
  fromIndex: number,
  count: number,
  next: readonly TargetRef[],
): TargetRef[] {
  const target = fleet.request.target;
  return 'deviceIds' in target
    ? target.deviceIds
        .slice(fromIndex, fromIndex + count)
        .map((deviceId) => ({ deviceId, groupRevision: null }))
    : next.slice(0, count);
}

/**
 * The children of the last mark, for a store that appends them after the mark (no atomic
 * multi-stream append): the next step re-creates them at `no_stream` before deciding, so a
 * crash between mark and children loses none. `next`: the targets after `lastMark.after`.
 */
export function lastMarkChildren(
  fleet: FleetState,
  next: readonly TargetRef[],
): FleetChildCommand[] {
  const m = fleet.lastMark;
  if (!m) return [];
  return targetRefs(fleet, m.fromIndex, m.count, next).map((r) =>
    childCommandOf(fleet, r.deviceId, m.at),
  );
}

/** The reason a waiting child is cancelled with, once its fleet ended so; `null`: not cancelled. */
export function childCancelReason(status: FleetStatus): 'fleet_aborted' | 'fleet_cancelled' | null {
  switch (status) {
    case 'aborted':
      return 'fleet_aborted';
    case 'cancelled':
      return 'fleet_cancelled';
    case 'rolling_out':
    case 'paused':
    case 'completed':
      return null;
    default: {
      const _exhaustive: never = status;
      return _exhaustive;
    }
  }
}
