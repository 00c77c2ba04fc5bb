export * from './read-model-store.port.js';
export type { ReadModelLogger } from './read-model-logger.js';
export type { Projection, ProjectionContext } from './projection/projection.js';
export type { ProjectionLag } from './projection/projection-lag.js';
export type { ProjectionStatus, RunnerState } from './projection/projection-status.js';
export { ProjectionVersionError } from './projection/projection-status.js';
export { ProjectionRunner } from './projection/projection-runner.js';
export { ProjectionGroup } from './projection/projection-group.js';
export type { ProjectionRunnerOptions } from './projection/projection-runner.js';
export { commandStatusProjection } from './command-status/command-status.projection.js';
export { deviceSummaryProjection } from './device-summary/device-summary.projection.js';
export { devicePresenceProjection } from './device-presence/device-presence.projection.js';
export { fleetProgressProjection } from './fleet-progress/fleet-progress.projection.js';
export type { FleetRow, ChildRow, StatusCounts } from './fleet-progress/fleet-progress-fold.js';
export { decodeFleetCursor, encodeFleetCursor } from './fleet-progress/fleet-queries.js';
export type { ChildToCancel, FleetListFilter, FleetPage } from './fleet-progress/fleet-queries.js';
export { groupMembersProjection } from './group-members/group-members.projection.js';
export { decodeMemberCursor, encodeMemberCursor } from './group-members/group-queries.js';
export type { GroupHead, GroupMemberPage, GroupMembership } from './group-members/group-queries.js';
export {
  decodeListCursor,
  encodeListCursor,
  InvalidCursorError,
  isListCursor,
} from './command-status/list-cursor.js';
export type { ListCursor } from './command-status/list-cursor.js';
export { migrateReadModels } from './schema/migrate-read-models.js';
export { READ_MODEL_MIGRATIONS } from './schema/read-model-migrations.js';
export {
  DEFAULT_PROJECTIONS,
  openSqlReadModelStore,
  SqlReadModelStore,
} from './sql-read-model-store.js';
export type { ReadModelStoreOptions } from './sql-read-model-store.js';
export { createPgliteReadModelStore } from './pglite-read-model-store.js';
export type { PgliteReadModelStoreOptions } from './pglite-read-model-store.js';
export { createPostgresReadModelStore } from './postgres-read-model-store.js';
export type { PostgresReadModelStoreOptions } from './postgres-read-model-store.js';
export { stateTopicProjection } from './state-topic/state-topic.projection.js';
export type { CommandStateMessage, PublishStates } from './state-topic/state-topic.projection.js';
// Operator tools: rebuild, verify (the ledger's fsck), audit queries.
export { rebuildProjection } from './rebuild/rebuild-projection.js';
export type {
  RebuildOptions,
  RebuildPhase,
  RebuildProgress,
  RebuildResult,
} from './rebuild/rebuild-types.js';
export { REBUILDABLE_PROJECTIONS, UnknownProjectionError } from './rebuild/rebuildable.js';
export { isClean, verifyLedger } from './verify/verify-ledger.js';
export type {
  FleetProgressCheck,
  FleetProgressMismatch,
  FleetSummary,
} from './verify/fleet-progress-check.js';
export type {
  MismatchKind,
  ReadModelMismatch,
  VerifyOptions,
  VerifyProgress,
  VerifyReport,
} from './verify/verify-ledger.js';
export type { LedgerViolation, LedgerViolationKind } from './verify/stream-tally.js';
export { portLogReader } from './rebuild/log-reader.js';
export type { LogReader } from './rebuild/log-reader.js';
export { estimateLogSize, sqlLogReader } from './rebuild/sql-log-reader.js';
export { listCommands } from './command-status/list-commands.js';
export { ALL_TIME, listDeviceCommands, listIssuerCommands } from './audit/device-commands.js';
export type { AuditCursor, AuditPage } from './audit/device-commands.js';
export { listLateResults } from './audit/late-results.js';
export {
  allPages,
  deviceHistory,
  issuerHistory,
  lateResultHistory,
} from './audit/command-history.js';
export type { CommandHistoryEntry } from './audit/command-history.js';
export { commandHistoryLines, historyLines, toJsonLine } from './audit/history-lines.js';
export { fleetChildren, fleetHistoryLines } from './audit/fleet-history.js';
export type { HistoryLine } from './audit/history-lines.js';
export { describeProjections } from './rebuild/projection-overview.js';
export type { ProjectionOverview } from './rebuild/projection-overview.js';
export {
  type SubscriptionCheckpoints,
  sqlSubscriptionCheckpoints,
} from './subscriptions/subscription-checkpoints.js';
