import { Inject, Logger, Optional } from '@nestjs/common';
import {
  CommandHandler,
  type ICommandHandler,
  type IQueryHandler,
  QueryHandler,
} from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import { EVENT_STORE, type EventStore } from '@ratchet/event-store';
import {
  FLEET_STATUSES,
  type FleetRequestedData,
  type FleetState,
  fleetFingerprint,
  fleetRequestProblems,
  isUuid,
  withFleetDefaults,
} from '@ratchet/lifecycle';
import { READ_MODEL_STORE, type ReadModelStore, decodeFleetCursor } from '@ratchet/read-models';
import {
  DEFAULT_COMMAND_DEFAULTS,
  RATCHET_OPTIONS,
  type RatchetModuleOptions,
} from '../options/ratchet.options.js';
import { ANONYMOUS_PRINCIPAL } from '../auth/scopes.js';
import { ReadModelsUnavailableError } from '../read-models-unavailable.error.js';
import { InstanceMetadata } from '../services/instance-metadata.js';
import { LedgerClock } from '../services/ledger-clock.js';
import { FleetError } from './fleet-error.js';
import { FleetRollout } from './fleet-rollout.service.js';
import { FleetStreams } from './fleet-streams.service.js';
import { type FleetView, fleetViewOfRow, toFleetView } from './fleet-view.js';
import {
  ControlFleetCommand,
  DEFAULT_FLEET_LIMIT,
  type FleetList,
  GetFleetCommandQuery,
  IssueFleetCommand,
  type IssueFleetOutcome,
  ListFleetCommandsQuery,
  MAX_FLEET_LIMIT,
  PauseFleetCommand,
  ResumeFleetCommand,
  CancelFleetCommand,
} from './fleet.commands.js';
import { asFleetBody, checkFleetBody } from './validate-fleet.js';
import { groupSnapshot } from './group-snapshot.js';

const issuer = (issuedBy: string | undefined) =>
  issuedBy === undefined ? undefined : { issuedBy };

const checkId = (id: string): string => {
  if (!isUuid(id)) throw new FleetError('invalid_request', ['fleetCommandId must be a UUID']);
  return id.toLowerCase();
};

abstract class FleetHandlerBase {
  constructor(
    protected readonly fleets: FleetStreams,
    protected readonly meta: InstanceMetadata,
    protected readonly clock: LedgerClock,
    protected readonly readModels: ReadModelStore | null | undefined,
  ) {}

  protected async view(state: FleetState): Promise<FleetView> {
    const progress = (await this.readModels?.getFleetProgress(state.fleetCommandId)) ?? null;
    return toFleetView(state, progress);
  }
}

@CommandHandler(IssueFleetCommand)
export class IssueFleetCommandHandler
  extends FleetHandlerBase
  implements ICommandHandler<IssueFleetCommand, IssueFleetOutcome>
{
  private readonly logger = new Logger('FleetCommands');
  private readonly defaults;

  constructor(
    fleets: FleetStreams,
    meta: InstanceMetadata,
    clock: LedgerClock,
    private readonly rollout: FleetRollout,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(RATCHET_OPTIONS) options: RatchetModuleOptions,
    @Optional() @Inject(READ_MODEL_STORE) readModels?: ReadModelStore | null,
  ) {
    super(fleets, meta, clock, readModels);
    this.defaults = { ...DEFAULT_COMMAND_DEFAULTS, ...options.defaults };
  }

  async execute({ body, provenance }: IssueFleetCommand): Promise<IssueFleetOutcome> {
    if (!this.readModels) throw new ReadModelsUnavailableError('IssueFleetCommand');
    const check = checkFleetBody(body);
    if (check.problems.length > 0) throw new FleetError('invalid_request', check.problems);
    if (check.tooLarge) throw new FleetError('too_large', [check.tooLarge]);
    const { fleetCommandId: given, ...rest } = asFleetBody(body);
    const request = withFleetDefaults(rest, this.defaults);
    const problems = fleetRequestProblems(request);
    if (problems.length > 0) throw new FleetError('invalid_request', problems);
    const id = (given ?? randomUUID()).toLowerCase();
    const fingerprint = fleetFingerprint(request);
    const existing = await this.fleets.read(id);
    let targets = 'deviceIds' in request.target ? request.target.deviceIds.length : 0;
    let groupRevision: number | null = null;
    if (!existing && 'group' in request.target) {
      const snap = await groupSnapshot(this.store, this.readModels, request.target.group);
      targets = snap.memberCount;
      groupRevision = snap.revision;
    }
    const fleet: FleetRequestedData = {
      fleetCommandId: id,
      request,
      fingerprint,
      requestedAt: this.clock.now().toISOString(),
      issuedBy: provenance.issuedBy ?? ANONYMOUS_PRINCIPAL,
      targets,
      groupRevision,
    };
    const metadata = this.meta.build(
      provenance.source ?? 'bus',
      provenance.correlationId ?? id,
      provenance.causationId,
      issuer(provenance.issuedBy),
    );
    const { decision, state } = await this.fleets.decide(
      id,
      { kind: 'issue', fleet },
      metadata,
      this.clock.now,
    );
    if (decision.outcome === 'rejected') {
      throw new FleetError(
        'id_conflict',
        [decision.message],
        state ? await this.view(state) : null,
      );
    }
    const s = state as FleetState;
    if (decision.outcome === 'append') {
      this.logger.log(
        `fleet=${id} name=${request.name} targets=${targets}${'group' in request.target ? ` group=${request.target.group}@${groupRevision}` : ''} issued`,
      );
      this.rollout.kick(id);
    }
    return { created: decision.outcome === 'append', fleet: await this.view(s) };
  }
}

const CONTROL_ERROR = {
  not_pausable: 'not_pausable',
  not_resumable: 'not_resumable',
  not_cancellable: 'not_cancellable',
} as const;

@CommandHandler(PauseFleetCommand)
export class ControlFleetCommandHandler
  extends FleetHandlerBase
  implements ICommandHandler<ControlFleetCommand, FleetView>
{
  private readonly logger = new Logger('FleetCommands');

  constructor(
    fleets: FleetStreams,
    meta: InstanceMetadata,
    clock: LedgerClock,
    private readonly rollout: FleetRollout,
    @Optional() @Inject(READ_MODEL_STORE) readModels?: ReadModelStore | null,
  ) {
    super(fleets, meta, clock, readModels);
  }

  async execute({ fleetCommandId, control, provenance }: ControlFleetCommand): Promise<FleetView> {
    const id = checkId(fleetCommandId);
    const by = provenance.issuedBy ?? ANONYMOUS_PRINCIPAL;
    const metadata = this.meta.build(
      provenance.source ?? 'bus',
      provenance.correlationId ?? id,
      provenance.causationId,
      issuer(provenance.issuedBy),
    );
    const { decision, state } = await this.fleets.decide(
      id,
      { kind: control, by },
      metadata,
      this.clock.now,
    );
    if (!state) throw new FleetError('not_found', [`no fleet command ${id}`]);
    if (decision.outcome === 'rejected') {
      const code = decision.code === 'id_conflict' ? 'id_conflict' : CONTROL_ERROR[decision.code];
      throw new FleetError(code, [decision.message], await this.view(state));
    }
    if (decision.outcome === 'append') {
      this.logger.log(`fleet=${id} ${control} by ${by}: now ${state.status}`);
      this.rollout.kick(id);
    }
    return this.view(state);
  }
}

@CommandHandler(ResumeFleetCommand)
export class ResumeFleetCommandHandler extends ControlFleetCommandHandler {}
@CommandHandler(CancelFleetCommand)
export class CancelFleetCommandHandler extends ControlFleetCommandHandler {}

@QueryHandler(GetFleetCommandQuery)
export class GetFleetCommandHandler
  extends FleetHandlerBase
  implements IQueryHandler<GetFleetCommandQuery, FleetView>
{
  constructor(
    fleets: FleetStreams,
    meta: InstanceMetadata,
    clock: LedgerClock,
    @Optional() @Inject(READ_MODEL_STORE) readModels?: ReadModelStore | null,
  ) {
    super(fleets, meta, clock, readModels);
  }

  async execute({ fleetCommandId }: GetFleetCommandQuery): Promise<FleetView> {
    const id = checkId(fleetCommandId);
    const state = await this.fleets.read(id);
    if (!state) throw new FleetError('not_found', [`no fleet command ${id}`]);
    return this.view(state);
  }
}

@QueryHandler(ListFleetCommandsQuery)
export class ListFleetCommandsHandler implements IQueryHandler<ListFleetCommandsQuery, FleetList> {
  constructor(
    @Optional() @Inject(READ_MODEL_STORE) private readonly readModels?: ReadModelStore | null,
  ) {}

  async execute({ criteria }: ListFleetCommandsQuery): Promise<FleetList> {
    if (!this.readModels) throw new ReadModelsUnavailableError('ListFleetCommandsQuery');
    const { status, limit = DEFAULT_FLEET_LIMIT, after = null } = criteria;
    const problems = [
      ...(status !== undefined && !(FLEET_STATUSES as readonly string[]).includes(status)
        ? [`status must be one of ${FLEET_STATUSES.join(', ')}`]
        : []),
      ...(Number.isInteger(limit) && limit >= 1 && limit <= MAX_FLEET_LIMIT
        ? []
        : [`limit must be a whole number from 1 to ${MAX_FLEET_LIMIT}`]),
      ...(after !== null && decodeFleetCursor(after) === null
        ? ['after must be the "next" cursor of a previous page']
        : []),
    ];
    if (problems.length > 0) throw new FleetError('invalid_request', problems);
    const page = await this.readModels.listFleets({
      ...(status ? { status } : {}),
      limit,
      after,
    });
    return { items: page.items.map(fleetViewOfRow), next: page.next };
  }
}
