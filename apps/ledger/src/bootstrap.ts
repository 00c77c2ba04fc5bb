import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import {
  type INestApplication,
  type LogLevel,
  Logger,
  type LoggerService,
  ValidationPipe,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { ApiCredentialRegistry } from '@ratchet/ledger';
import { setUpOpenApi } from '@ratchet/ledger/http';
import { type EmbeddedBroker, startEmbeddedBroker } from '@ratchet/mqtt';
import { loadApiCredentials } from './config/api-credentials.config.js';
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
  /**
   * Re-reads LEDGER_API_CREDENTIALS_FILE (the variables cannot change under a running process)
   * and installs the credentials, or keeps the old set and says why. Done on SIGHUP.
   */
  reloadCredentials(): {
    readonly applied: boolean;
    readonly problems: readonly string[];
  };
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
  // With device accounts, the in-process ledger logs in with an account of its own that no
  // file holds ('$' is never in a device id), and the broker faces the network: devices on it
  // must reach it, and it refuses whoever has no account.
  const internal = config.deviceAccounts
    ? { username: '$ratchet-ledger', password: randomBytes(32).toString('hex') }
    : null;
  const embeddedBroker = config.mqttUrl
    ? null
    : await startEmbeddedBroker({
        port: config.mqttEmbeddedPort,
        logger: log,
        ...(config.deviceAccounts && internal
          ? {
              host: '0.0.0.0',
              auth: { accounts: config.deviceAccounts.accounts, internal: [internal] },
            }
          : {}),
      });
  if (config.deviceAccounts)
    log.warn(
      `MQTT embedded broker: device accounts from ${config.deviceAccounts.file}; it listens on every interface, ` +
        'with passwords in clear on the wire (plain MQTT): keep the devices on a network of their own, ' +
        'or use an external broker with TLS (docs/security.md)',
    );
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
    const credentials = new ApiCredentialRegistry(config.apiCredentials);
    app = await NestFactory.create<NestExpressApplication>(
      LedgerAppModule.forRoot(config, {
        eventStore: store,
        readModels,
        mqttUrl,
        credentials,
        ...(internal ? { mqttAccount: internal } : {}),
        ...(embeddedBroker ? { inProcessBroker: embeddedBroker } : {}),
      }),
      {
        bodyParser: false,
        ...(logger === undefined ? {} : { logger }),
      },
    );
    app.useBodyParser('json', { limit: BODY_LIMIT });
    app.useGlobalPipes(
      new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }),
    );
    setUpOpenApi(app, credentials);
    serveConsole(app);
    await app.listen(config.httpPort, config.httpHost);
    const address = app.getHttpServer().address() as { port: number };
    const httpUrl = `http://${config.httpHost === '0.0.0.0' ? '127.0.0.1' : config.httpHost}:${address.port}`;
    announceCredentials(config, log);
    if (config.mqttUrl && !config.instanceId)
      log.warn(
        `LEDGER_INSTANCE_ID is not set: MQTT client ids carry the pid, so after a crash the ` +
          `restarted process cannot resume this one's sessions, and the device answers the ` +
          `broker queued in them are lost when they expire (${config.mqttSessionExpirySeconds} s). ` +
          `Give each replica a stable LEDGER_INSTANCE_ID.`,
      );
    log.log(`HTTP API on ${httpUrl}`);
    const sources = {
      LEDGER_API_CREDENTIALS: config.apiCredentialSources.inline ?? undefined,
      LEDGER_API_CREDENTIALS_FILE: config.apiCredentialSources.file ?? undefined,
      LEDGER_API_TOKENS: config.apiTokens.join(','),
    };
    const reloadCredentials = () => reload(credentials, sources, log);
    // SIGHUP re-reads the credentials (and so never ends the service, as it would by default).
    const onHangUp = () => void reloadCredentials();
    process.on('SIGHUP', onHangUp);
    return {
      app,
      httpUrl,
      mqttUrl,
      embeddedBroker,
      reloadCredentials,
      close: async () => {
        process.off('SIGHUP', onHangUp);
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

/** What the start-up log says about access to the API (never a token or a hash). */
function announceCredentials(config: LedgerConfig, log: Logger): void {
  if (config.apiTokens.length > 0)
    log.warn(
      'LEDGER_API_TOKENS is deprecated: each token is an unnamed credential with every scope ' +
        '(recorded as issuedBy token-<8 hex of its SHA-256>). Give each client a named, scoped ' +
        'credential in LEDGER_API_CREDENTIALS or LEDGER_API_CREDENTIALS_FILE (name:scopes:sha256-of-token).',
    );
  if (config.apiCredentials.length > 0) {
    log.log(`API credentials: ${describeCredentials(config.apiCredentials)}`);
    return;
  }
  const local = ['127.0.0.1', 'localhost', '::1'].includes(config.httpHost);
  if (local)
    log.warn(
      `No API credentials (LEDGER_API_CREDENTIALS) are set: the API needs no token, every caller is recorded as "anonymous". It listens on ${config.httpHost} only.`,
    );
  else
    log.error(
      `No API credentials (LEDGER_API_CREDENTIALS) are set and HTTP_HOST=${config.httpHost}: ANYONE WHO REACHES THIS HOST CAN ISSUE COMMANDS. Set LEDGER_API_CREDENTIALS.`,
    );
}

const describeCredentials = (list: readonly { name: string; scopes: ReadonlySet<string> }[]) =>
  list.map((c) => `${c.name} (${[...c.scopes].join('+')})`).join(', ');

function reload(
  registry: ApiCredentialRegistry,
  env: Readonly<Record<string, string | undefined>>,
  log: Logger,
): { applied: boolean; problems: readonly string[] } {
  const loaded = loadApiCredentials(env);
  const problems = [...loaded.problems];
  if (problems.length === 0) {
    const refused = registry.replace(loaded.credentials);
    if (refused) problems.push(refused);
  }
  if (problems.length > 0) {
    log.error(
      `API credentials not reloaded, the previous ones stay in force:\n  - ${problems.join('\n  - ')}`,
    );
    return { applied: false, problems };
  }
  log.log(
    `API credentials reloaded: ${describeCredentials(loaded.credentials) || 'none (the API is open)'}`,
  );
  return { applied: true, problems };
}
