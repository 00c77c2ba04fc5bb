import type { EventStore, SqlDriver } from '@ratchet/event-store';
import { commandStatusProjection } from './command-status/command-status.projection.js';
import {
  findDueCommands,
  findRetryDue,
  findUndispatched,
} from './command-status/sweeper-queries.js';
import { listCommands } from './command-status/list-commands.js';
import { deviceSummaryProjection } from './device-summary/device-summary.projection.js';
import { getDeviceSummary } from './device-summary/get-device-summary.js';
import {
  devicePresenceProjection,
  getDevicePresence,
} from './device-presence/device-presence.projection.js';
import type { Presence } from '@ratchet/lifecycle';
import { groupMembersProjection } from './group-members/group-members.projection.js';
import {
  type GroupHead,
  type GroupMemberPage,
  type GroupMembership,
  groupHead,
  groupMembership,
  groupTargets,
  listGroupMembers,
} from './group-members/group-queries.js';
import type { LedgerOutage, TargetRef } from '@ratchet/lifecycle';
import { beat, recordStart } from './liveness/ledger-liveness.js';
import type { Projection } from './projection/projection.js';
import {
  type SubscriptionCheckpoints,
  sqlSubscriptionCheckpoints,
} from './subscriptions/subscription-checkpoints.js';
import type { FleetRow } from './fleet-progress/fleet-progress-fold.js';
import { fleetProgressProjection } from './fleet-progress/fleet-progress.projection.js';
import {
  type ChildToCancel,
  type FleetListFilter,
  type FleetPage,
  activeFleets,
  childrenToCancel,
  getFleetProgress,
  listFleets,
} from './fleet-progress/fleet-queries.js';
import type { ProjectionLag } from './projection/projection-lag.js';
import { ProjectionGroup } from './projection/projection-group.js';
import type { ProjectionRunnerOptions } from './projection/projection-member.js';
import type { ProjectionStatus } from './projection/projection-status.js';
import type {
  CommandPage,
  DeviceSummary,
  DueCommand,
  ListCommandsFilter,
  ReadModelStore,
} from './read-model-store.port.js';
import { migrateReadModels } from './schema/migrate-read-models.js';

export interface ReadModelStoreOptions extends ProjectionRunnerOptions {
  /** The log the projections follow (any adapter: the read models may live elsewhere). */
  readonly eventStore: EventStore;
  /** Default: `command_status` and `device_summary`. */
  readonly projections?: readonly Projection[];
  /** Apply pending read-model migrations first (default true). */
  readonly migrate?: boolean;
}

export const DEFAULT_PROJECTIONS: readonly Projection[] = [
  commandStatusProjection,
  deviceSummaryProjection,
  groupMembersProjection,
  devicePresenceProjection,
  fleetProgressProjection,
];

/** The read models in PostgreSQL or PGlite, all projections in one group (projection-group.ts). */
export class SqlReadModelStore implements ReadModelStore {
  readonly #driver: SqlDriver;
  readonly #projections: ProjectionGroup;
  #started = false;

  readonly subscriptions: SubscriptionCheckpoints;

  constructor(driver: SqlDriver, options: ReadModelStoreOptions) {
    this.#driver = driver;
    this.subscriptions = sqlSubscriptionCheckpoints(driver);
    this.#projections = new ProjectionGroup(driver, options.eventStore, options);
    for (const projection of options.projections ?? DEFAULT_PROJECTIONS)
      this.#projections.add(projection);
  }

  listCommands(filter: ListCommandsFilter): Promise<CommandPage> {
    return listCommands(this.#driver, filter);
  }

  getDeviceSummary(deviceId: string): Promise<DeviceSummary | null> {
    return getDeviceSummary(this.#driver, deviceId);
  }

  getDevicePresence(deviceId: string): Promise<Presence | null> {
    return getDevicePresence(this.#driver, deviceId);
  }

  findDueCommands(now: Date, limit: number): Promise<DueCommand[]> {
    return findDueCommands(this.#driver, now, limit);
  }

  recordStart(now: Date, staleAfterMs: number): Promise<LedgerOutage | null> {
    return recordStart(this.#driver, now, staleAfterMs);
  }

  beat(now: Date): Promise<void> {
    return beat(this.#driver, now);
  }

  findUndispatched(requestedBefore: Date, limit: number): Promise<string[]> {
    return findUndispatched(this.#driver, requestedBefore, limit);
  }

  findRetryDue(limit: number): Promise<string[]> {
    return findRetryDue(this.#driver, limit);
  }

  groupMembership(group: string, deviceIds: readonly string[]): Promise<GroupMembership> {
    return groupMembership(this.#driver, group, deviceIds);
  }

  groupHead(group: string): Promise<GroupHead | null> {
    return groupHead(this.#driver, group);
  }

  listGroupMembers(group: string, limit: number, after: string | null): Promise<GroupMemberPage> {
    return listGroupMembers(this.#driver, group, limit, after);
  }

  groupTargets(
    group: string,
    snapshotRevision: bigint,
    continuous: boolean,
    through: TargetRef | null,
    limit: number,
  ): Promise<TargetRef[] | null> {
    return groupTargets(this.#driver, group, snapshotRevision, continuous, through, limit);
  }

  getFleetProgress(fleetCommandId: string): Promise<FleetRow | null> {
    return getFleetProgress(this.#driver, fleetCommandId);
  }

  listFleets(filter: FleetListFilter): Promise<FleetPage> {
    return listFleets(this.#driver, filter);
  }

  activeFleets(limit: number): Promise<string[]> {
    return activeFleets(this.#driver, limit);
  }

  childrenToCancel(limit: number): Promise<ChildToCancel[]> {
    return childrenToCancel(this.#driver, limit);
  }

  addProjection(projection: Projection): void {
    if (this.#started) throw new Error(`projection ${projection.name} added after start()`);
    this.#projections.add(projection);
  }

  start(): void {
    this.#started = true;
    this.#projections.start();
  }

  async stop(): Promise<void> {
    await this.#projections.stop();
  }

  async catchUp(): Promise<void> {
    if (this.#started) throw new Error('catchUp() is for a store whose runners are not started');
    await this.#projections.catchUp();
  }

  status(): ProjectionStatus[] {
    return this.#projections.status();
  }

  lag(): Promise<ProjectionLag[]> {
    return this.#projections.lag();
  }

  async close(): Promise<void> {
    await this.stop();
    await this.#driver.close();
  }
}

/** Migrates (unless told not to), then wraps the driver; closes the driver if migration fails. */
export const openSqlReadModelStore = async (
  driver: SqlDriver,
  options: ReadModelStoreOptions,
): Promise<SqlReadModelStore> => {
  try {
    if (options.migrate !== false) await migrateReadModels(driver);
  } catch (error) {
    await driver.close();
    throw error;
  }
  return new SqlReadModelStore(driver, options);
};
