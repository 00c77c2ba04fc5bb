export * from './group.commands.js';
export * from './group-error.js';
export * from './group-view.js';
export * from './change-group.js';
export { groupRequestProblems } from './group.handlers.js';
