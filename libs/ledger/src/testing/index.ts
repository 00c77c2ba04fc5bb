/** `@ratchet/ledger/testing`: RatchetModule for a host's tests, and fake devices. */
export * from './ratchet-testing.module.js';
export * from './fake-devices.js';
