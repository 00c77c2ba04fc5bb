/** The chaos run as a library: `runChaos(options)` → a report; `summaryTable(report)` prints it. */
export { runChaos } from './run-chaos.js';
export { DEFAULTS, LEDGER_TIMINGS, FLEET_BEHAVIOUR, type ChaosOptions } from './chaos-options.js';
export type { ChaosReport } from './report/chaos-report.js';
export { summaryTable } from './report/summary-table.js';
export { installCleanupHandlers, cleanUp } from './env/cleanup.js';
