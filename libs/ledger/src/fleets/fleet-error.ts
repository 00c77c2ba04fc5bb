import type { FleetView } from './fleet-view.js';

export type FleetErrorCode =
  /** A bad body, id, filter or cursor, or an unknown target group (400). */
  | 'invalid_request'
  /** More than 10,000 deviceIds, or the payload over 64 KiB (413). */
  | 'too_large'
  | 'not_found'
  /** The same fleetCommandId with another body (409, with the fleet command). */
  | 'id_conflict'
  /** A control the fleet command's status does not allow (409, with the fleet command). */
  | 'not_pausable'
  | 'not_resumable'
  | 'not_cancellable'
  /** The group_members read model did not reach the group's head in time (503). */
  | 'read_model_behind';

export class FleetError extends Error {
  override readonly name = 'FleetError';
  constructor(
    readonly code: FleetErrorCode,
    readonly messages: readonly string[],
    /** The fleet command as it is, for a 409. */
    readonly fleet: FleetView | null = null,
  ) {
    super(messages.join('; '));
  }
}
