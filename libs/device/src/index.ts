/**
 * `@ratchet/device`: the device side of Ratchet (CONTRACT.md sections 3 and 5) for Node.js —
 * `RatchetDevice` for a device in a few lines; `DeviceLink` and the stores for gateways and
 * tools that need the protocol without its policy.
 */
export { RatchetDevice } from './device/ratchet-device.js';
export type { RatchetDeviceOptions } from './device/ratchet-device.options.js';
export type { CommandContext, CommandHandler } from './device/command-handler.js';
export type {
  CommandOutcome,
  CommandReport,
  RatchetDeviceEvents,
} from './device/ratchet-device.events.js';
export {
  executedResult,
  expiredError,
  failedResult,
  invalidIntentError,
  unknownCommandError,
  type ResultBody,
} from './device/results.js';
export { DeviceLink } from './link/device-link.js';
export type {
  DeviceLinkEvents,
  DeviceLinkOptions,
  StopOptions,
} from './link/device-link.options.js';
export { reconnectDelay, type ConnectionOptions } from './link/connection.options.js';
export type { Answer, IntentDelivery } from './link/intent-delivery.js';
export {
  DEFAULT_DEDUPE_MAX_AGE_MS,
  DEFAULT_DEDUPE_MAX_ENTRIES,
  nextEpochAfter,
  type DedupeLimits,
  type DeviceStore,
  type PendingAnswer,
  type SeenCommand,
} from './store/device-store.port.js';
export { FileDeviceStore, type FileDeviceStoreOptions } from './store/file-device-store.js';
export { MemoryDeviceStore } from './store/memory-device-store.js';
export { DeviceStateLockedError } from './store/state-dir-lock.js';
// The contract's types a device works with, so that it need not depend on @ratchet/mqtt.
export type {
  Decoded,
  MqttLogger as DeviceLogger,
  MqttProtocolChoice,
  ReceivedIntent,
  ResultToSend,
} from '@ratchet/mqtt';
