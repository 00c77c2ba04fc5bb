/**
 * `fleet_progress` as a fold over the global log, in memory: the projection loads the rows a
 * batch touches into a `FleetProgressModel`, folds the batch, and writes what changed; a
 * rebuild folds the whole log into one model; verify compares a fresh fold with the tables.
 *
 * Per fleet: its status and request (from its stream), the children created (the marks), the
 * children by their current status, and the tally of final outcomes in log order with the
 * first crossing of the abort threshold (`tallyChild`). Per child (key: the first attempt's
 * id, which is `fleetChildId(fleet, device)`): its current attempt and status, and its final
 * outcome once no retry follows. A retry's events count for the child; an older attempt's
 * late events do not.
 */
import {
  type AbortPolicy,
  type ChildOutcome,
  type CommandStatus,
  type FleetEventType,
  type FleetStatus,
  type FleetTally,
  type FleetRequest,
  EMPTY_TALLY,
  EVENT_TYPES,
  FLEET_EVENT_TYPES,
  FLEET_STREAM_PREFIX,
  FLEET_TRANSITIONS,
  STATUSES,
  TRANSITIONS,
  type CommandEventType,
  attemptId,
  commandIdOfStream,
  fleetIdOfStream,
  isTerminal,
  tallyChild,
} from '@ratchet/lifecycle';
import type { LogEvent } from '../rebuild/log-reader.js';

export type StatusCounts = Record<CommandStatus, number>;
export const zeroCounts = (): StatusCounts =>
  Object.fromEntries(STATUSES.map((s) => [s, 0])) as StatusCounts;

export interface FleetRow {
  fleetCommandId: string;
  status: FleetStatus;
  revision: bigint;
  request: FleetRequest;
  requestedAt: string;
  issuedBy: string;
  targets: number;
  groupRevision: number | null;
  /** Children the marks say were created. */
  created: number;
  endedAt: string | null;
  /** Children by the status of their current attempt. */
  counts: StatusCounts;
  tally: FleetTally;
}

export interface ChildRow {
  readonly commandId: string;
  readonly fleetCommandId: string;
  readonly deviceId: string;
  attempt: number;
  status: CommandStatus;
  outcome: ChildOutcome | null;
}

/** What a batch (or a rebuild) folds into; `changed*` name the rows to write. */
export class FleetProgressModel {
  readonly fleets = new Map<string, FleetRow>();
  readonly children = new Map<string, ChildRow>();
  /** A retry's id → its child's (the first attempt's) id. */
  readonly attempts = new Map<string, string>();
  readonly changedFleets = new Set<string>();
  readonly changedChildren = new Set<string>();
  readonly newAttempts = new Set<string>();

  clearChanges(): void {
    this.changedFleets.clear();
    this.changedChildren.clear();
    this.newAttempts.clear();
  }
}

export const isFleetProgressEvent = (event: Pick<LogEvent, 'stream' | 'type'>): boolean =>
  event.stream.startsWith(FLEET_STREAM_PREFIX)
    ? (FLEET_EVENT_TYPES as readonly string[]).includes(event.type)
    : commandIdOfStream(event.stream) !== null &&
      (EVENT_TYPES as readonly string[]).includes(event.type);

/** The ids a batch needs loaded: fleets by id, children and attempts by command id. */
export const keysOf = (events: readonly LogEvent[]) => {
  const fleets = new Set<string>();
  const commands = new Set<string>();
  for (const e of events) {
    const fleet = fleetIdOfStream(e.stream);
    if (fleet !== null) {
      fleets.add(fleet);
      continue;
    }
    const id = commandIdOfStream(e.stream);
    if (id === null) continue;
    commands.add(id);
    const d = e.data as { fleetCommandId?: unknown; rootCommandId?: unknown };
    if (e.type === 'CommandRequested') {
      if (typeof d.fleetCommandId === 'string') fleets.add(d.fleetCommandId);
      if (typeof d.rootCommandId === 'string') commands.add(d.rootCommandId);
    }
  }
  return { fleets: [...fleets], commands: [...commands] };
};

export type Skip = (event: LogEvent, reason: string) => void;

export function foldFleetProgress(model: FleetProgressModel, event: LogEvent, skip: Skip): void {
  const fleetId = fleetIdOfStream(event.stream);
  if (fleetId !== null) return foldFleetEvent(model, fleetId, event, skip);
  const commandId = commandIdOfStream(event.stream);
  if (commandId !== null) foldChildEvent(model, commandId, event);
}

function foldFleetEvent(model: FleetProgressModel, fleetId: string, event: LogEvent, skip: Skip) {
  const type = event.type as FleetEventType;
  const d = event.data as Record<string, unknown>;
  const row = model.fleets.get(fleetId);
  if (row && event.revision <= row.revision) return; // already applied (never in one pass)
  const rule = FLEET_TRANSITIONS[type];
  if (!rule.from.includes(row ? row.status : null)) {
    return skip(event, `${type} cannot follow ${row ? row.status : 'an empty stream'}`);
  }
  if (type === 'FleetCommandRequested') {
    model.fleets.set(fleetId, {
      fleetCommandId: fleetId,
      status: 'rolling_out',
      revision: event.revision,
      request: d.request as FleetRequest,
      requestedAt: d.requestedAt as string,
      issuedBy: (d.issuedBy as string) ?? 'system',
      targets: d.targets as number,
      groupRevision: (d.groupRevision as number | null) ?? null,
      created: 0,
      endedAt: null,
      counts: zeroCounts(),
      tally: EMPTY_TALLY,
    });
  } else {
    const r = row as FleetRow;
    r.revision = event.revision;
    r.status = rule.to ?? r.status;
    if (type === 'FleetChildrenCreated') r.created += d.count as number;
    if (rule.to === 'completed' || rule.to === 'aborted' || rule.to === 'cancelled') {
      r.endedAt = d.at as string;
    }
  }
  model.changedFleets.add(fleetId);
}

function foldChildEvent(model: FleetProgressModel, commandId: string, event: LogEvent) {
  const d = event.data as {
    fleetCommandId?: unknown;
    rootCommandId?: unknown;
    attempt?: unknown;
    deviceId?: unknown;
  };
  if (event.type === 'CommandRequested') {
    if (typeof d.fleetCommandId === 'string' && d.rootCommandId === commandId) {
      const fleet = model.fleets.get(d.fleetCommandId);
      if (!fleet || model.children.has(commandId)) return;
      model.children.set(commandId, {
        commandId,
        fleetCommandId: d.fleetCommandId,
        deviceId: d.deviceId as string,
        attempt: 1,
        status: 'requested',
        outcome: null,
      });
      fleet.counts.requested += 1;
      model.changedChildren.add(commandId);
      model.changedFleets.add(fleet.fleetCommandId);
      return;
    }
    // A retry of a child: the child moves to its new attempt.
    const root = typeof d.rootCommandId === 'string' ? d.rootCommandId : null;
    const child = root ? model.children.get(root) : undefined;
    const attempt = typeof d.attempt === 'number' ? d.attempt : 0;
    if (!child || attempt <= child.attempt) return;
    model.attempts.set(commandId, child.commandId);
    model.newAttempts.add(commandId);
    return moveChild(model, child, 'requested', attempt);
  }
  const root = model.children.has(commandId) ? commandId : model.attempts.get(commandId);
  const child = root ? model.children.get(root) : undefined;
  if (!child || attemptId(child.commandId, child.attempt) !== commandId) return;
  const to = TRANSITIONS[event.type as CommandEventType]?.to ?? null;
  if (to === null || to === child.status || !isTerminalOrForward(child.status, to)) return;
  moveChild(model, child, to, child.attempt);
}

/** The lifecycle never leaves a terminal status; a read model folding the log in order need not check ranks. */
const isTerminalOrForward = (from: CommandStatus, _to: CommandStatus) => !isTerminal(from);

function moveChild(model: FleetProgressModel, child: ChildRow, to: CommandStatus, attempt: number) {
  const fleet = model.fleets.get(child.fleetCommandId);
  if (!fleet) return;
  fleet.counts[child.status] -= 1;
  fleet.counts[to] += 1;
  child.status = to;
  child.attempt = attempt;
  if (isTerminal(to) && !willRetry(fleet.request, to, attempt)) {
    child.outcome = to;
    fleet.tally = tallyChild(fleet.tally, to, fleet.request.abort as AbortPolicy | null);
  } else {
    child.outcome = null;
  }
  model.changedChildren.add(child.commandId);
  model.changedFleets.add(fleet.fleetCommandId);
}

const willRetry = (request: FleetRequest, status: CommandStatus, attempt: number) =>
  (request.retry.on as readonly string[]).includes(status) && attempt < request.retry.maxAttempts;
