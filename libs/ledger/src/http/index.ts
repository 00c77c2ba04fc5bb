/** `@ratchet/ledger/http`: the HTTP API as a module, and its parts for a host's own wiring. */
export * from './ratchet-http.module.js';
export * from './ratchet-http.options.js';
export * from './ratchet-route.decorator.js';
export * from './scope.guard.js';
export * from './require-scope.decorator.js';
export * from './caller.decorator.js';
export * from './bearer-token.js';
export * from './http-error.filter.js';
export * from './ledger-health.indicators.js';
export * from './command-id.pipe.js';
export * from './device-id.pipe.js';
export { setUpOpenApi } from './openapi/openapi.js';
export { API_SCHEMAS } from './openapi/api-schemas.js';
