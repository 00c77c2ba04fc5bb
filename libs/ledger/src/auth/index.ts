export * from './scopes.js';
export * from './api-credentials.js';
export * from './find-credential.js';
export * from './credential-registry.js';
