export * from './group.js';
export * from './decide-group.js';
