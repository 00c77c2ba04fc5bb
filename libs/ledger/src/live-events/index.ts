export * from './live-client.js';
export * from './live-events-filter.js';
export * from './live-events-hub.js';
export * from './live-events.dto.js';
export * from './live-events.service.js';
export * from './live-transition.js';
export * from './sse-format.js';
