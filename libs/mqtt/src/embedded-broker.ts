/**
 * The embedded broker: Aedes in-process, for development and single-instance edge use
 * (MQTT 3.1.1 only; no shared subscriptions, no message expiry — TOOLCHAIN.md). Started when
 * MQTT_URL is unset, on MQTT_EMBEDDED_PORT (CONTRACT.md section 4).
 */
import net from 'node:net';
import type { Aedes, AedesOptions } from 'aedes';
import type { IPublishPacket } from 'mqtt';
import { errorMessage, silentLogger, type MqttLogger } from './logger.js';
import { embeddedAuthHooks, type EmbeddedBrokerAuth } from './broker-auth/embedded-auth.js';
import { topicMatches } from './broker-auth/broker-acl.js';

export interface EmbeddedBrokerOptions {
  /** Default `127.0.0.1`: an anonymous broker should not face the network by accident. */
  readonly host?: string;
  /**
   * Accounts and the shipped ACL's rules: unknown clients are refused, a device publishes only
   * its own answers and presence and receives only its own intents and states. Without it the
   * broker is anonymous (anyone who reaches it may publish and subscribe anything). Hooks in
   * `aedes` still run, after these and only for what these allow.
   */
  readonly auth?: EmbeddedBrokerAuth;
  /** `0` picks a free port (tests). */
  readonly port: number;
  readonly aedes?: AedesOptions;
  readonly logger?: MqttLogger;
}

export interface EmbeddedBroker {
  readonly host: string;
  /** The bound port (useful with `port: 0`). */
  readonly port: number;
  /** `mqtt://host:port`, for `connectMqtt` (loopback when it listens on every interface). */
  readonly url: string;
  readonly aedes: Aedes;
  /**
   * Hands every publish on a topic matching `filters` to `handler` BEFORE the broker accepts it:
   * the publisher's PUBACK (QoS 1) is sent only once `handler` resolved, and only then is the
   * message forwarded to subscribers. A handler that rejects closes the publisher's connection
   * without PUBACK, so its client sends the message again after reconnecting. This keeps inside
   * the process the promise an external broker keeps: a device answer acknowledged to the device
   * has been recorded, so a crash of the process loses none (DESIGN.md, "The embedded broker's
   * promise"). Runs after any authorization already installed. Returns the undo.
   */
  takeBeforePuback(filters: readonly string[], handler: InProcessHandler): () => void;
  /** Disconnects every client, then stops listening. Idempotent. */
  close(): Promise<void>;
}

export type InProcessHandler = (
  topic: string,
  payload: Buffer,
  packet: IPublishPacket,
) => Promise<void> | void;

export class EmbeddedBrokerPortInUseError extends Error {
  override readonly name = 'EmbeddedBrokerPortInUseError';
  constructor(
    readonly host: string,
    readonly port: number,
  ) {
    super(
      `The embedded MQTT broker cannot listen on ${host}:${port}: port ${port} is already in use. ` +
        `Set MQTT_EMBEDDED_PORT to a free port, or set MQTT_URL to use an external broker instead.`,
    );
  }
}

export async function startEmbeddedBroker(options: EmbeddedBrokerOptions): Promise<EmbeddedBroker> {
  const host = options.host ?? '127.0.0.1';
  const logger = options.logger ?? silentLogger;
  // Loaded here, not at the top: importing this library (a device does) must not load Aedes.
  const { Aedes: AedesBroker } = await import('aedes');
  const aedes = await AedesBroker.createBroker(
    options.auth
      ? { ...options.aedes, ...embeddedAuthHooks(options.auth, logger, options.aedes) }
      : options.aedes,
  );
  aedes.on('clientError', (client, e) =>
    logger.debug?.(`MQTT embedded broker: client ${client.id}: ${errorMessage(e)}`),
  );
  // Nagle off on the broker side too, or each hop costs up to 40 ms.
  const server = net.createServer({ noDelay: true }, aedes.handle);
  try {
    await listen(server, host, options.port);
  } catch (e) {
    await closeAedes(aedes);
    if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE')
      throw new EmbeddedBrokerPortInUseError(host, options.port);
    throw new Error(
      `The embedded MQTT broker cannot listen on ${host}:${options.port} (${errorMessage(e)}). ` +
        `Set MQTT_EMBEDDED_PORT to another port, or MQTT_URL to use an external broker.`,
      { cause: e },
    );
  }
  const port = (server.address() as net.AddressInfo).port;
  logger.log(`MQTT embedded broker (Aedes, MQTT 3.1.1) listening on ${host}:${port}`);
  if (options.auth)
    logger.log(
      `MQTT embedded broker: ${options.auth.accounts.size} account(s); unknown clients are refused, devices are held to the broker ACL (their own topics only)`,
    );
  else
    logger.warn(
      `MQTT embedded broker: ANONYMOUS — any client that reaches ${host}:${port} may publish and subscribe anything` +
        (isLoopback(host)
          ? ' (it binds loopback only, so only this machine can reach it)'
          : '. Set device credentials (MQTT_DEVICE_PASSWORD_FILE)'),
    );
  let closing: Promise<void> | undefined;
  return {
    host,
    port,
    url: `mqtt://${urlHost(host)}:${port}`,
    aedes,
    takeBeforePuback: (filters, handler) => takeBeforePuback(aedes, filters, handler),
    close: () => (closing ??= closeAll(server, aedes)),
  };
}

/** Where a client on this machine reaches a broker bound to `host` (every interface: loopback). */
const urlHost = (host: string): string => {
  const reachable = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return reachable.includes(':') ? `[${reachable}]` : reachable;
};

const isLoopback = (host: string): boolean =>
  host === 'localhost' || host === '::1' || host.startsWith('127.');

function takeBeforePuback(
  aedes: Aedes,
  filters: readonly string[],
  handler: InProcessHandler,
): () => void {
  const previous = aedes.authorizePublish;
  aedes.authorizePublish = (client, packet, callback) => {
    previous.call(aedes, client, packet, (refused) => {
      if (refused) return callback(refused);
      if (!filters.some((f) => topicMatches(f, packet.topic))) return callback(null);
      const payload = Buffer.isBuffer(packet.payload)
        ? packet.payload
        : Buffer.from(packet.payload as string);
      Promise.resolve()
        .then(() => handler(packet.topic, payload, packet as unknown as IPublishPacket))
        .then(
          () => callback(null),
          (e: unknown) => callback(e instanceof Error ? e : new Error(errorMessage(e))),
        );
    });
  };
  return () => {
    aedes.authorizePublish = previous;
  };
}

function listen(server: net.Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port, exclusive: true }, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

const closeAedes = (aedes: Aedes): Promise<void> =>
  new Promise((resolve) => aedes.close(() => resolve()));

async function closeAll(server: net.Server, aedes: Aedes): Promise<void> {
  // Aedes closes its client connections; only then can server.close() complete.
  await closeAedes(aedes);
  await new Promise<void>((resolve) => server.close(() => resolve()));
}
