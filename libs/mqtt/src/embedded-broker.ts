/**
 * The embedded broker: Aedes in-process, for development and single-instance edge use
 * (MQTT 3.1.1 only; no shared subscriptions, no message expiry — TOOLCHAIN.md). Started when
 * MQTT_URL is unset, on MQTT_EMBEDDED_PORT (CONTRACT.md section 4).
 */
import net from 'node:net';
import type { Aedes, AedesOptions } from 'aedes';
import { errorMessage, silentLogger, type MqttLogger } from './logger.js';

export interface EmbeddedBrokerOptions {
  /** Default `127.0.0.1`: an anonymous broker should not face the network by accident. */
  readonly host?: string;
  /** `0` picks a free port (tests). */
  readonly port: number;
  readonly aedes?: AedesOptions;
  readonly logger?: MqttLogger;
}

export interface EmbeddedBroker {
  readonly host: string;
  /** The bound port (useful with `port: 0`). */
  readonly port: number;
  /** `mqtt://host:port`, for `connectMqtt`. */
  readonly url: string;
  readonly aedes: Aedes;
  /** Disconnects every client, then stops listening. Idempotent. */
  close(): Promise<void>;
}

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
  const aedes = await AedesBroker.createBroker(options.aedes);
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
  let closing: Promise<void> | undefined;
  return {
    host,
    port,
    url: `mqtt://${host.includes(':') ? `[${host}]` : host}:${port}`,
    aedes,
    close: () => (closing ??= closeAll(server, aedes)),
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
