export * from './fleet.commands.js';
export * from './fleet-error.js';
export * from './fleet-view.js';
export * from './fleet-streams.service.js';
export * from './fleet-rollout.service.js';
export { checkFleetBody } from './validate-fleet.js';
