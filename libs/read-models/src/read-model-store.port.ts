import type {
  CommandState,
  CommandStatus,
  LedgerOutage,
  Presence,
  TargetRef,
} from '@ratchet/lifecycle';
import type { FleetRow } from './fleet-progress/fleet-progress-fold.js';
import type { ChildToCancel, FleetListFilter, FleetPage } from './fleet-progress/fleet-queries.js';
import type { GroupHead, GroupMemberPage, GroupMembership } from './group-members/group-queries.js';
import type { ProjectionLag } from './projection/projection-lag.js';
import type { ProjectionStatus } from './projection/projection-status.js';
import type { Projection } from './projection/projection.js';
import type { SubscriptionCheckpoints } from './subscriptions/subscription-checkpoints.js';

/** A command as the read model holds it: the folded state, and the attempt that retried it. */
export interface CommandRecord {
  readonly state: CommandState;
  readonly retriedBy: string | null;
}

export interface ListCommandsFilter {
  readonly deviceId?: string;
  readonly status?: CommandStatus;
  /** Who issued it: metadata.issuedBy of its CommandRequested. */
  readonly issuedBy?: string;
  /** Only the children (and their retries) of this fleet command. */
  readonly fleetCommandId?: string;
  /** 1 to 500. */
  readonly limit: number;
  /** A cursor from a previous page's `next`. */
  readonly after?: string | null;
}

/** Newest first; `next` is the cursor of the following page, `null` on the last one. */
export interface CommandPage {
  readonly items: readonly CommandRecord[];
  readonly next: string | null;
}

export interface DeviceSummary {
  readonly deviceId: string;
  readonly total: number;
  readonly byStatus: Readonly<Record<CommandStatus, number>>;
  /** The most recently requested command. */
  readonly lastCommand: { readonly commandId: string; readonly requestedAt: string } | null;
  /** The latest input from the device itself (acknowledgement or result). */
  readonly lastSeenAt: string | null;
  /** executed / terminal; `null` until a command has ended. */
  readonly successRate: number | null;
}

/** An open command whose next deadline (expiry or timeout) has passed. */
export interface DueCommand {
  readonly commandId: string;
  readonly status: CommandStatus;
  readonly nextDeadline: Date;
}

/**
 * The read side: queries over the projections, and the runners that keep them up to date.
 * Eventually consistent: a command just written may not be listed yet (GET one command reads
 * its stream instead).
 */
export interface ReadModelStore {
  /** The checkpoints of named host subscriptions (RatchetModule's `subscription`). */
  readonly subscriptions: SubscriptionCheckpoints;
  listCommands(filter: ListCommandsFilter): Promise<CommandPage>;
  /** `null`: the device never had a command. */
  getDeviceSummary(deviceId: string): Promise<DeviceSummary | null>;
  /** The device's presence as projected from its stream; `null`: never reported (`unknown`). */
  getDevicePresence(deviceId: string): Promise<Presence | null>;
  /** For a sweeper: open commands due at or before `now`, earliest deadline first. */
  findDueCommands(now: Date, limit: number): Promise<DueCommand[]>;
  /**
   * Commands still `requested` that were requested before `requestedBefore`, oldest first —
   * but not those that wait for a device the read model knows offline (unless `immediate`):
   * the device's return dispatches them, and a hint that lags only delays a sweep.
   */
  findUndispatched(requestedBefore: Date, limit: number): Promise<string[]>;
  /** Attempts closed in a status their retry policy lists, below maxAttempts, not retried yet. */
  findRetryDue(limit: number): Promise<string[]>;
  /**
   * An instance's sweeper starts: records its beat and, when no instance had beaten for
   * `staleAfterMs`, the outage that ends now. Returns that outage or the last one recorded.
   */
  recordStart(now: Date, staleAfterMs: number): Promise<LedgerOutage | null>;
  /** A running sweeper's sign of life. */
  beat(now: Date): Promise<void>;
  /** The group's head as applied and which of `deviceIds` are members at it (one snapshot). */
  groupMembership(group: string, deviceIds: readonly string[]): Promise<GroupMembership>;
  groupHead(group: string): Promise<GroupHead | null>;
  /** Current members by id, `limit` (1 to 1000) after the cursor `after`; `head: null`: no group. */
  listGroupMembers(group: string, limit: number, after: string | null): Promise<GroupMemberPage>;
  /**
   * A fleet's next targets after `through` (see group-queries.ts); `null` while the read model
   * has not applied `snapshotRevision`.
   */
  groupTargets(
    group: string,
    snapshotRevision: bigint,
    continuous: boolean,
    through: TargetRef | null,
    limit: number,
  ): Promise<TargetRef[] | null>;
  /** A fleet command's progress as `fleet_progress` has applied it; `null`: not (yet) there. */
  getFleetProgress(fleetCommandId: string): Promise<FleetRow | null>;
  listFleets(filter: FleetListFilter): Promise<FleetPage>;
  /** Fleets still rolling out or paused, oldest first. */
  activeFleets(limit: number): Promise<string[]>;
  /** Waiting children of aborted or cancelled fleets. */
  childrenToCancel(limit: number): Promise<ChildToCancel[]>;
  /** Adds a projection before `start` (e.g. the state topic, which needs the broker). */
  addProjection(projection: Projection): void;
  /** Starts the projection runners in the background (once). */
  start(): void;
  /** Stops the runners after their batch in flight. */
  stop(): Promise<void>;
  /** Applies everything up to the head of the log now (tests, tools). */
  catchUp(): Promise<void>;
  status(): ProjectionStatus[];
  lag(): Promise<ProjectionLag[]>;
  /** Stops the runners; closes the database if the store owns it. */
  close(): Promise<void>;
}

/** DI token for the port. */
export const READ_MODEL_STORE = Symbol.for('ratchet.ReadModelStore');
