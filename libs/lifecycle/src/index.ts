export * from './command.js';
export * from './decide.js';
export * from './deadlines.js';
export * from './identity.js';
export * from './retry.js';
export * from './check-stream.js';
export * from './metadata.js';
export * from './storable.js';
