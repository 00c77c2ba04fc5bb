import 'reflect-metadata';
import {
  type INestApplication,
  type LogLevel,
  Logger,
  type LoggerService,
  ValidationPipe,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { setUpOpenApi } from '@ratchet/ledger/http';
import { type EmbeddedBroker, startEmbeddedBroker } from '@ratchet/mqtt';
import type { LedgerConfig } from './config/ledger-config.js';
import { createEventStore, type LedgerStorage } from './infrastructure/create-event-store.js';
import { serveConsole } from './http/console.js';
import { LedgerAppModule } from './ledger-app.module.js';

export interface RunningLedger {
  readonly app: INestApplication;
  /** `http://host:port` of the API. */
  readonly httpUrl: string;
  readonly mqttUrl: string;
  readonly embeddedBroker: EmbeddedBroker | null;
  /** Graceful: stop input, finish in-flight work and PUBACKs, close the store, then the broker. */
  close(): Promise<void>;
}

/** JSON bodies are small: a 64 KiB payload plus its envelope. Larger ones get 413. */
const BODY_LIMIT = '80kb';

export async function startLedger(
  config: LedgerConfig,
  logger?: LoggerService | LogLevel[] | false,
): Promise<RunningLedger> {
  const log = new Logger('Ledger');
  const embeddedBroker = config.mqttUrl
    ? null
    : await startEmbeddedBroker({ port: config.mqttEmbeddedPort, logger: log });
  const mqttUrl = config.mqttUrl ?? embeddedBroker!.url;
  let storage: LedgerStorage | undefined;
  let app: NestExpressApplication | undefined;
  try {
    storage = await createEventStore(config, new Logger('ReadModels'));
    const { store, readModels, description } = storage;
    log.log(`event store: ${description}`);
    log.log(
      `MQTT broker: ${embeddedBroker ? `embedded (Aedes, MQTT 3.1.1) on ${mqttUrl}` : mqttUrl}`,
    );
    app = await NestFactory.create<NestExpressApplication>(
      LedgerAppModule.forRoot(config, { eventStore: store, readModels, mqttUrl }),
      {
        bodyParser: false,
        ...(logger === undefined ? {} : { logger }),
      },
    );
    app.useBodyParser('json', { limit: BODY_LIMIT });
    app.useGlobalPipes(
      new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }),
    );
    setUpOpenApi(app, config.apiTokens);
    serveConsole(app);
    await app.listen(config.httpPort, config.httpHost);
    const address = app.getHttpServer().address() as { port: number };
    const httpUrl = `http://${config.httpHost === '0.0.0.0' ? '127.0.0.1' : config.httpHost}:${address.port}`;
    if (config.apiTokens.length === 0) {
      const local = ['127.0.0.1', 'localhost', '::1'].includes(config.httpHost);
      if (local)
        log.warn(
          `LEDGER_API_TOKENS is not set: the API needs no token. It listens on ${config.httpHost} only.`,
        );
      else
        log.error(
          `LEDGER_API_TOKENS is not set and HTTP_HOST=${config.httpHost}: ANYONE WHO REACHES THIS HOST CAN ISSUE COMMANDS. Set LEDGER_API_TOKENS.`,
        );
    }
    if (config.mqttUrl && !config.instanceId)
      log.warn(
        `LEDGER_INSTANCE_ID is not set: MQTT client ids carry the pid, so after a crash the ` +
          `restarted process cannot resume this one's sessions, and the device answers the ` +
          `broker queued in them are lost when they expire (${config.mqttSessionExpirySeconds} s). ` +
          `Give each replica a stable LEDGER_INSTANCE_ID.`,
      );
    log.log(`HTTP API on ${httpUrl}`);
    return {
      app,
      httpUrl,
      mqttUrl,
      embeddedBroker,
      close: async () => {
        await app!.close();
        await storage!.close();
        await embeddedBroker?.close();
      },
    };
  } catch (e) {
    // The application closes the store and the read models (its module owns them); before it
    // exists, they are closed here. Then what they share, then the broker.
    if (app) await app.close().catch(() => undefined);
    else await Promise.allSettled([storage?.readModels.close(), storage?.store.close()]);
    await storage?.close().catch(() => undefined);
    await embeddedBroker?.close();
    throw e;
  }
}
