export * from './presence.js';
export * from './device-stream.js';
export * from './decide-presence.js';
export * from './queue.js';
export * from './decide-queue.js';
