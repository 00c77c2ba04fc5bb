import { Logger } from '@nestjs/common';
import { hostname } from 'node:os';
import { EmbeddedBrokerPortInUseError } from '@ratchet/mqtt';
import { ConfigError, loadConfig } from './config/ledger-config.js';
import { startLedger } from './bootstrap.js';
import { PinoLogger } from './logging/pino-logger.js';

const log = new Logger('Ledger');

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = new PinoLogger({
    format: config.logFormat,
    level: config.logLevel,
    // The same default as the events' metadata (InstanceMetadata).
    instanceId: config.instanceId ?? `${hostname()}:${process.pid}`,
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
