/**
 * `npm run chaos`: the chaos run as a command. Prints the seed first (a run that fails even to
 * start can be replayed), progress while it runs, the summary table at the end, and a last
 * `CHAOS_RESULT {json}` line for tools. Exit code 0: no violation, nothing lost; 1: the
 * ledger broke a rule; 2: the run itself could not be carried out.
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs, HELP } from './cli/parse-args.js';
import { installCleanupHandlers, interruptedBy } from './env/cleanup.js';
import { summaryTable } from './report/summary-table.js';
import { runChaos } from './run-chaos.js';

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  if ('help' in args) {
    console.log(HELP);
    return 0;
  }
  if ('error' in args) {
    console.error(`chaos: ${args.error}\n${HELP}`);
    return 2;
  }
  installCleanupHandlers();
  console.log(`chaos: seed ${args.seed} (replay with --seed ${args.seed})`);
  const startedAt = new Date();
  const report = await runChaos({ ...args, say: (line) => console.log(line) });
  console.log(summaryTable(report));
  console.log(`chaos: started ${startedAt.toISOString()}, ended ${new Date().toISOString()}`);
  if (args.json) await writeFile(args.json, JSON.stringify(report, null, 2));
  console.log(
    `CHAOS_RESULT ${JSON.stringify({ ok: report.ok, seed: report.seed, violations: report.violations, lost: report.lost, commands: report.figures.client.issued, accepted: report.figures.client.accepted })}`,
  );
  return report.ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    // Interrupted: the signal handler stops everything and exits; the run's errors are noise.
    if (interruptedBy()) return;
    console.error(
      `chaos: the run could not be carried out: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`,
    );
    process.exit(2);
  },
);
