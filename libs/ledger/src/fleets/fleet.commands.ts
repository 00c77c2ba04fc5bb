import { Command, Query } from '@nestjs/cqrs';
import type { FleetStatus } from '@ratchet/lifecycle';
import type { Provenance } from '../services/instance-metadata.js';
import type { FleetView } from './fleet-view.js';

type Source = Provenance & { source?: 'http' | 'bus'; issuedBy?: string };

export interface IssueFleetOutcome {
  /** `false`: the same fleetCommandId and body were issued before. */
  readonly created: boolean;
  readonly fleet: FleetView;
}

/** `POST /fleet-commands`: the body of CONTRACT.md section 6. */
export class IssueFleetCommand extends Command<IssueFleetOutcome> {
  constructor(
    readonly body: unknown,
    readonly provenance: Source = {},
  ) {
    super();
  }
}

export type FleetControl = 'pause' | 'resume' | 'cancel';

/** `POST /fleet-commands/{id}/pause|resume|cancel`. */
export class ControlFleetCommand extends Command<FleetView> {
  constructor(
    readonly fleetCommandId: string,
    readonly control: FleetControl,
    readonly provenance: Source = {},
  ) {
    super();
  }
}
export class PauseFleetCommand extends ControlFleetCommand {
  constructor(fleetCommandId: string, provenance: Source = {}) {
    super(fleetCommandId, 'pause', provenance);
  }
}
export class ResumeFleetCommand extends ControlFleetCommand {
  constructor(fleetCommandId: string, provenance: Source = {}) {
    super(fleetCommandId, 'resume', provenance);
  }
}
export class CancelFleetCommand extends ControlFleetCommand {
  constructor(fleetCommandId: string, provenance: Source = {}) {
    super(fleetCommandId, 'cancel', provenance);
  }
}

/** `GET /fleet-commands/{id}`: status from its stream, progress from `fleet_progress`. */
export class GetFleetCommandQuery extends Query<FleetView> {
  constructor(readonly fleetCommandId: string) {
    super();
  }
}

export interface FleetList {
  readonly items: readonly FleetView[];
  readonly next: string | null;
}
export const DEFAULT_FLEET_LIMIT = 50;
export const MAX_FLEET_LIMIT = 500;

/** `GET /fleet-commands?status=&limit=&after=`: newest first, from the read model. */
export class ListFleetCommandsQuery extends Query<FleetList> {
  constructor(
    readonly criteria: { status?: FleetStatus; limit?: number; after?: string | null } = {},
  ) {
    super();
  }
}
