export * from './ratchet.module.js';
export type { RatchetOptionsFactory } from './ratchet.module-definition.js';
export {
  DEFAULT_DATABASE_SCHEMA,
  type LedgerStorage,
  openLedgerStorage,
} from './storage/open-ledger-storage.js';
export * from './options/ratchet.options.js';
export * from './errors.js';
export * from './services/ledger-clock.js';
export * from './services/instance-metadata.js';
export * from './logging/log-context.js';
export * from './device-input.js';
export * from './metrics/ledger-metrics.js';
export * from './transition/transition.js';
export * from './transition/command-stream.js';
export * from './transition/command-transitions.service.js';
export * from './issue-command/issue-command.command.js';
export * from './issue-command/issue-command.dto.js';
export * from './issue-command/validate-issue.js';
export * from './acknowledge-command/acknowledge-command.command.js';
export * from './record-command-result/record-command-result.command.js';
export * from './cancel-command/cancel-command.command.js';
export * from './services/dispatcher.service.js';
export * from './options/intent-publisher.port.js';
export * from './get-command/get-command.query.js';
export * from './get-command/command-view.js';
export * from './get-command-history/get-command-history.query.js';
export * from './options/mqtt.options.js';
export * from './mqtt/mqtt-gateway.service.js';
export * from './mqtt/device-inbox.mqtt-controller.js';
export * from './time-out-command/time-out-command.command.js';
export * from './expire-command/expire-command.command.js';
export * from './services/retry-scheduler.service.js';
export * from './options/deadline-index.port.js';
export * from './services/deadline-sweeper.service.js';
export * from './list-commands/list-commands.query.js';
export * from './list-commands/list-commands.dto.js';
export * from './get-device-summary/get-device-summary.query.js';
export * from './read-models-unavailable.error.js';
export * from './options/live-events.options.js';
export * from './live-events/live-client.js';
export * from './live-events/live-events-filter.js';
export * from './live-events/live-events-hub.js';
export * from './live-events/live-events.dto.js';
export * from './live-events/live-events.service.js';
export * from './live-events/live-transition.js';
export * from './live-events/sse-format.js';
export * from './groups/index.js';
