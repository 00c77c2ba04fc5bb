export * from './fleet-request.js';
export * from './fleet.js';
export * from './rate.js';
export * from './progress.js';
export * from './rollout.js';
export * from './children.js';
export * from './decide-fleet.js';
