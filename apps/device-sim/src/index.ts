/** The device simulator as a library: a fleet of honest or adversarial devices for tests. */
export { startFleet, type Fleet, type FleetStats } from './fleet/start-fleet.js';
export { DEFAULT_URL, fleetDeviceIds, type FleetOptions } from './fleet/fleet.options.js';
export {
  SimulatedDevice,
  type AnswerPublisher,
  type SimulatedDeviceOptions,
} from './device/simulated-device.js';
export type { DeviceStats } from './device/device-stats.js';
export type { SimEvent, SimEventListener } from './device/sim-event.js';
export { decodeIntent, parseIntentTopic, type Intent } from './device/intent-message.js';
export { HONEST, resolveBehaviour, type BehaviourOptions } from './behaviour/behaviour.options.js';
export {
  planAnswer,
  type AnswerPlan,
  type PlannedMessage,
  type Trait,
} from './behaviour/plan-answer.js';
export { describePlan } from './behaviour/describe-plan.js';
export { parseArgs, type CliCommand } from './cli/parse-args.js';
