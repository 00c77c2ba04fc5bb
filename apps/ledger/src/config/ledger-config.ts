/**
 * Configuration from the environment (CONTRACT.md section 4), validated once at start-up.
 * Every problem is reported at once, naming the variable and what would be accepted.
 */
import type { ApiCredential } from '@ratchet/ledger';
import { loadApiCredentials } from './api-credentials.config.js';
import { isDeviceId } from '@ratchet/lifecycle';
import {
  LEDGER_ACCOUNT,
  MqttTlsConfigError,
  PasswordFileError,
  TLS_ENV_NAMES,
  mqttTlsOptions,
  readPasswordFile,
  type MqttTlsFiles,
  type PasswordAccounts,
} from '@ratchet/mqtt';

export type StoreKind = 'pglite' | 'postgres' | 'eventstoredb';

export interface LedgerConfig {
  readonly store: StoreKind;
  readonly dataDir: string;
  /**
   * LEDGER_PGLITE_SHARED_BUFFERS_MB: the embedded database's page cache, inside its WebAssembly
   * memory (PostgreSQL's default, 128 MB plus, was most of the process's memory). Pages it does
   * not hold are read through the operating system's file cache.
   */
  readonly pgliteSharedBuffersMb: number;
  readonly databaseUrl: string | null;
  /** DATABASE_SCHEMA: the schema of Ratchet's tables on PostgreSQL; `null`: `ratchet` (or `public` for a database from before version 2). */
  readonly databaseSchema: string | null;
  readonly eventStoreUrl: string | null;
  readonly mqttUrl: string | null;
  readonly mqttEmbeddedPort: number;
  readonly mqttUsername: string | null;
  readonly mqttPassword: string | null;
  /** TLS files for an `mqtts://` MQTT_URL (checked here: present, readable, unexpired, matching). */
  readonly mqttTls: MqttTlsFiles;
  /**
   * The embedded broker's accounts (MQTT_DEVICE_PASSWORD_FILE, mosquitto_passwd format): with
   * them it refuses unknown clients and holds devices to the broker ACL; null: anonymous.
   */
  readonly deviceAccounts: { readonly file: string; readonly accounts: PasswordAccounts } | null;
  /** MQTT 5 shared-subscription group of all instances of one ledger. */
  readonly mqttSharedGroup: string;
  /**
   * MQTT 5: how long the broker keeps an inbound session after its connection drops. Default
   * 3600 with a LEDGER_INSTANCE_ID (a restart resumes the session and gets what was queued),
   * 120 without one (client ids then change with the pid: nobody resumes the session, and
   * under a shared subscription it keeps taking a share of device answers until it expires).
   */
  readonly mqttSessionExpirySeconds: number;
  /** MQTT 5: inbound shared-subscription connections per instance (each handles one message at a time). */
  readonly mqttInboxConnections: number;
  readonly mqttInboxInFlight: number;
  readonly httpPort: number;
  readonly httpHost: string;
  /** The deprecated LEDGER_API_TOKENS as given (each also one of `apiCredentials`). */
  readonly apiTokens: readonly string[];
  /**
   * LEDGER_API_CREDENTIALS, LEDGER_API_CREDENTIALS_FILE and LEDGER_API_TOKENS together; empty:
   * the API is open (and binds loopback unless HTTP_HOST says otherwise).
   */
  readonly apiCredentials: readonly ApiCredential[];
  /** Where they came from, for a reload (SIGHUP): the file is read again, the rest is kept. */
  readonly apiCredentialSources: {
    readonly inline: string | null;
    readonly file: string | null;
  };
  readonly defaults: {
    readonly ackTimeoutMs: number;
    readonly timeoutMs: number;
    readonly expiresInMs: number;
  };
  readonly instanceId: string | null;
  readonly sweep: {
    readonly intervalMs: number;
    readonly redispatchAfterMs: number;
    readonly recoveryGraceMs: number;
  };
  /** Message expiry of the retained state topic; 0 turns the state topic off. */
  readonly stateRetentionSeconds: number;
  /** `json`: one JSON object per line (for log shippers); `text`: for a terminal. */
  readonly logFormat: 'json' | 'text';
  readonly logLevel: 'error' | 'warn' | 'log' | 'debug' | 'verbose';
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

type Env = Readonly<Record<string, string | undefined>>;

/** Every variable loadConfig reads: a deployment that sets any other has a typo in it. */
export const KNOWN_VARIABLES: readonly string[] = [
  'LEDGER_STORE',
  'LEDGER_DATA_DIR',
  'LEDGER_PGLITE_SHARED_BUFFERS_MB',
  'DATABASE_URL',
  'DATABASE_SCHEMA',
  'EVENTSTORE_URL',
  'MQTT_URL',
  'MQTT_EMBEDDED_PORT',
  'MQTT_USERNAME',
  'MQTT_PASSWORD',
  'MQTT_CA_FILE',
  'MQTT_CERT_FILE',
  'MQTT_KEY_FILE',
  'MQTT_DEVICE_PASSWORD_FILE',
  'MQTT_SHARED_GROUP',
  'MQTT_SESSION_EXPIRY_SECONDS',
  'MQTT_INBOX_CONNECTIONS',
  'MQTT_INBOX_IN_FLIGHT',
  'HTTP_PORT',
  'HTTP_HOST',
  'LEDGER_API_TOKENS',
  'LEDGER_API_CREDENTIALS',
  'LEDGER_API_CREDENTIALS_FILE',
  'LEDGER_ACK_TIMEOUT_MS',
  'LEDGER_TIMEOUT_MS',
  'LEDGER_EXPIRES_IN_MS',
  'LEDGER_INSTANCE_ID',
  'LEDGER_SWEEP_INTERVAL_MS',
  'LEDGER_REDISPATCH_AFTER_MS',
  'LEDGER_RECOVERY_GRACE_MS',
  'LEDGER_STATE_RETENTION_SECONDS',
  'LOG_FORMAT',
  'LOG_LEVEL',
];

export function loadConfig(env: Env = process.env): LedgerConfig {
  const problems: string[] = [];
  const str = (name: string): string | null => {
    const v = env[name]?.trim();
    return v ? v : null;
  };
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = str(name);
    if (raw === null) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      problems.push(`${name}=${raw}: must be a whole number from ${min} to ${max}`);
      return fallback;
    }
    return n;
  };
  const url = (name: string, schemes: string[]): string | null => {
    const raw = str(name);
    if (raw === null) return null;
    try {
      const scheme = new URL(raw).protocol.replace(/:$/, '');
      if (!schemes.includes(scheme))
        problems.push(`${name}=${raw}: the scheme must be one of ${schemes.join(', ')}`);
    } catch {
      problems.push(`${name}=${raw}: not a URL (e.g. ${schemes[0]}://host:port)`);
    }
    return raw;
  };

  const storeRaw = str('LEDGER_STORE') ?? 'pglite';
  const store = (['pglite', 'postgres', 'eventstoredb'] as const).find((k) => k === storeRaw);
  if (!store) problems.push(`LEDGER_STORE=${storeRaw}: must be pglite, postgres or eventstoredb`);
  const databaseUrl = url('DATABASE_URL', ['postgres', 'postgresql']);
  const databaseSchema = env.DATABASE_SCHEMA?.trim() || null;
  if (databaseSchema !== null && !/^[a-z_][a-z0-9_]{0,62}$/.test(databaseSchema))
    problems.push(
      `DATABASE_SCHEMA must be a lower-case PostgreSQL name (letters, digits, _), got ${JSON.stringify(databaseSchema)}`,
    );
  // Only what @eventstore/db-client 6 parses: it refuses kurrentdb:// and kdb:// at start-up,
  // and KurrentDB answers esdb:// all the same.
  const eventStoreUrl = url('EVENTSTORE_URL', ['esdb', 'esdb+discover']);
  if (store === 'postgres' && !databaseUrl)
    problems.push('LEDGER_STORE=postgres needs DATABASE_URL');
  if (store === 'eventstoredb' && !eventStoreUrl)
    problems.push('LEDGER_STORE=eventstoredb needs EVENTSTORE_URL');
  const apiTokens = (str('LEDGER_API_TOKENS') ?? '')
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  const credentials = loadApiCredentials(env);
  problems.push(...credentials.problems);
  const group = str('MQTT_SHARED_GROUP');
  if (group !== null && !/^[A-Za-z0-9_.-]{1,64}$/.test(group)) {
    problems.push(`MQTT_SHARED_GROUP=${group}: letters, digits, _ . - only (one topic level)`);
  }

  const mqttUrl = url('MQTT_URL', ['mqtt', 'mqtts', 'tcp', 'ssl', 'ws', 'wss']);
  const mqttTls: MqttTlsFiles = Object.fromEntries(
    (
      [
        ['caFile', str('MQTT_CA_FILE')],
        ['certFile', str('MQTT_CERT_FILE')],
        ['keyFile', str('MQTT_KEY_FILE')],
      ] as const
    ).filter(([, v]) => v !== null),
  );
  if (mqttUrl === null && Object.keys(mqttTls).length > 0)
    problems.push(
      'MQTT_CA_FILE, MQTT_CERT_FILE and MQTT_KEY_FILE are for an external broker over TLS: set MQTT_URL=mqtts://host:8883 (the embedded broker speaks plain MQTT on this machine)',
    );
  else if (mqttUrl !== null)
    try {
      mqttTlsOptions(mqttUrl, mqttTls, TLS_ENV_NAMES);
    } catch (e) {
      if (!(e instanceof MqttTlsConfigError)) throw e;
      problems.push(...e.problems);
    }

  let deviceAccounts: LedgerConfig['deviceAccounts'] = null;
  const passwordFile = str('MQTT_DEVICE_PASSWORD_FILE');
  if (passwordFile !== null && mqttUrl !== null)
    problems.push(
      `MQTT_DEVICE_PASSWORD_FILE is for the embedded broker, but MQTT_URL=${mqttUrl} names an external one: give that broker the file (Mosquitto: password_file), or unset MQTT_URL`,
    );
  else if (passwordFile !== null)
    try {
      const accounts = readPasswordFile(passwordFile, (u) =>
        u === LEDGER_ACCOUNT || isDeviceId(u)
          ? undefined
          : `"${u}" is neither a device id (CONTRACT.md section 2) nor "${LEDGER_ACCOUNT}": the broker ACL binds a device's topics to its username`,
      );
      deviceAccounts = { file: passwordFile, accounts };
    } catch (e) {
      if (!(e instanceof PasswordFileError)) throw e;
      problems.push(...e.problems.map((p) => `MQTT_DEVICE_PASSWORD_FILE=${passwordFile}: ${p}`));
    }

  const oneOf = <T extends string>(name: string, allowed: readonly T[], fallback: T): T => {
    const raw = str(name);
    if (raw === null) return fallback;
    const found = allowed.find((a) => a === raw);
    if (!found) problems.push(`${name}=${raw}: must be one of ${allowed.join(', ')}`);
    return found ?? fallback;
  };

  const config: LedgerConfig = {
    store: store ?? 'pglite',
    dataDir: str('LEDGER_DATA_DIR') ?? './data',
    pgliteSharedBuffersMb: int('LEDGER_PGLITE_SHARED_BUFFERS_MB', 32, 1, 4_096),
    databaseUrl,
    databaseSchema,
    eventStoreUrl,
    mqttUrl,
    // 0 picks a free port (tests).
    mqttEmbeddedPort: int('MQTT_EMBEDDED_PORT', 1883, 0, 65535),
    mqttUsername: str('MQTT_USERNAME'),
    mqttPassword: str('MQTT_PASSWORD'),
    mqttTls,
    deviceAccounts,
    mqttSharedGroup: str('MQTT_SHARED_GROUP') ?? 'ratchet',
    mqttInboxConnections: int('MQTT_INBOX_CONNECTIONS', 16, 1, 64),
    mqttInboxInFlight: int('MQTT_INBOX_IN_FLIGHT', 8, 1, 256),
    mqttSessionExpirySeconds: int(
      'MQTT_SESSION_EXPIRY_SECONDS',
      str('LEDGER_INSTANCE_ID') ? 3_600 : 120,
      0,
      604_800,
    ),
    httpPort: int('HTTP_PORT', 3000, 0, 65535),
    httpHost: str('HTTP_HOST') ?? (credentials.credentials.length > 0 ? '0.0.0.0' : '127.0.0.1'),
    apiTokens,
    apiCredentials: credentials.credentials,
    apiCredentialSources: { inline: str('LEDGER_API_CREDENTIALS'), file: credentials.file },
    defaults: {
      ackTimeoutMs: int('LEDGER_ACK_TIMEOUT_MS', 10_000, 1, 604_800_000),
      timeoutMs: int('LEDGER_TIMEOUT_MS', 60_000, 1, 604_800_000),
      expiresInMs: int('LEDGER_EXPIRES_IN_MS', 300_000, 1, 604_800_000),
    },
    instanceId: str('LEDGER_INSTANCE_ID'),
    logFormat: oneOf(
      'LOG_FORMAT',
      ['json', 'text'] as const,
      process.stdout.isTTY ? 'text' : 'json',
    ),
    logLevel: oneOf('LOG_LEVEL', ['error', 'warn', 'log', 'debug', 'verbose'] as const, 'log'),
    stateRetentionSeconds: int('LEDGER_STATE_RETENTION_SECONDS', 86_400, 0, 31_536_000),
    sweep: {
      intervalMs: int('LEDGER_SWEEP_INTERVAL_MS', 1_000, 50, 3_600_000),
      redispatchAfterMs: int('LEDGER_REDISPATCH_AFTER_MS', 5_000, 0, 3_600_000),
      recoveryGraceMs: int('LEDGER_RECOVERY_GRACE_MS', 5_000, 0, 3_600_000),
    },
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
