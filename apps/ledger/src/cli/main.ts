import { processIo } from './io.js';
import { runCli } from './cli.js';

/**
 * `npx ratchet <command>`: the operator tools (help.ts lists them). An interrupted
 * rebuild leaves the live tables as they were; its fresh tables are dropped by the next one.
 */
process.once('SIGINT', () => {
  process.stderr.write('\nledger: interrupted (the live read models are untouched)\n');
  process.exit(130);
});

const code = await runCli(process.argv.slice(2), processIo()).catch((e: unknown) => {
  process.stderr.write(`ledger: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  return 3;
});
process.exit(code);
