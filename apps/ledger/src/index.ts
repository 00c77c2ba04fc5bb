/** The standalone service as a library, for the repository's end-to-end tests and tools. */
export { type RunningLedger, startLedger } from './bootstrap.js';
export {
  ConfigError,
  KNOWN_VARIABLES,
  type LedgerConfig,
  loadConfig,
} from './config/ledger-config.js';
