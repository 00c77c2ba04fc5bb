/**
 * `npm run device-sim -- --help`: a fleet of simulated devices on a broker, one line per
 * command, statistics on Ctrl-C.
 */
import { MqttTlsConfigError, errorMessage, type MqttLogger } from '@ratchet/mqtt';
import { fleetDeviceIds } from './fleet/fleet.options.js';
import { startFleet } from './fleet/start-fleet.js';
import { formatEvent, formatStats } from './cli/format-event.js';
import { HELP } from './cli/help-text.js';
import { parseArgs } from './cli/parse-args.js';

// Connection announcements would repeat once per connection; warnings and errors matter.
const logger: MqttLogger = {
  log: () => undefined,
  warn: (m) => console.warn(m),
  error: (m) => console.error(m),
};

async function main(): Promise<number | undefined> {
  const command = parseArgs(process.argv.slice(2));
  if (command.kind === 'help') {
    console.log(HELP);
    return 0;
  }
  if (command.kind === 'error') {
    console.error(`device-sim: ${command.message}\nRun with --help to see the options.`);
    return 2;
  }
  const { fleet: options, quiet } = command;
  const ids = fleetDeviceIds(options);
  const range = ids.length === 1 ? ids[0] : `${ids[0]} … ${ids[ids.length - 1]}`;
  // The seed comes first, so even a run that fails to connect can be replayed.
  console.log(`device-sim: seed ${options.seed} (replay with --seed ${options.seed})`);
  console.log(`device-sim: ${ids.length} devices (${range}) connecting to ${options.url}`);
  const fleet = await startFleet({
    ...options,
    logger,
    onEvent: (e) => {
      if (quiet) return;
      const line = formatEvent(e, new Date());
      if (line) console.log(line);
    },
  }).catch((e: unknown) => {
    // Bad --ca/--cert/--key files: the message says which; no broker was tried.
    if (e instanceof MqttTlsConfigError) throw e;
    throw new Error(
      `${errorMessage(e)}\nIs a broker listening there? The ledger starts one with \`npm start\`.`,
    );
  });
  console.log(
    `device-sim: ready, ${fleet.connections} connection(s), waiting for intents on devices/{id}/commands/+ (Ctrl-C to stop)`,
  );
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    // Closing says goodbye (a line per device): the statistics come after, and include it.
    const printStats = () => console.log(`\n${formatStats(fleet.stats())}`);
    fleet.close().then(
      () => {
        printStats();
        process.exit(0);
      },
      (e: unknown) => {
        printStats();
        console.error(`device-sim: close failed: ${errorMessage(e)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  return undefined;
}

main().then(
  (code) => {
    if (code !== undefined) process.exitCode = code;
  },
  (e: unknown) => {
    console.error(`device-sim: ${errorMessage(e)}`);
    process.exit(1);
  },
);
