import { ConsoleLogger, type LogLevel, Logger } from '@nestjs/common';
import { EmbeddedBrokerPortInUseError } from '@ratchet/mqtt';
import { ConfigError, loadConfig } from './config/ledger-config.js';
import { startLedger } from './bootstrap.js';

const log = new Logger('Ledger');

const LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = new ConsoleLogger({
    json: config.logFormat === 'json',
    logLevels: LEVELS.slice(0, LEVELS.indexOf(config.logLevel) + 1),
  });
  Logger.overrideLogger(logger);
  const running = await startLedger(config, logger);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.log(`${signal}: shutting down (finishing in-flight work)`);
    running.close().then(
      () => process.exit(0),
      (e: unknown) => {
        log.error(`shutdown failed: ${String(e)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((e: unknown) => {
  if (e instanceof ConfigError || e instanceof EmbeddedBrokerPortInUseError) {
    log.error(e.message);
    process.exit(2);
  }
  log.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
  process.exit(1);
});
