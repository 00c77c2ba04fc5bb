/**
 * `connectMqtt`: an mqtt.js client with Nagle off, auto-reconnect, and MQTT 5 where the broker
 * allows it. With `protocol: 'auto'` it sends a v5 CONNECT first and falls back to 3.1.1 when
 * the broker refuses v5 (Aedes answers a v5 CONNECT with the 3.1.1 return code 1). The
 * negotiated version is fixed for the client's lifetime and exposed with the broker's
 * capabilities, so the ledger knows whether it may use shared subscriptions and expiry.
 */
import { MqttClient, type IConnackPacket } from 'mqtt';
import { noDelayStreamBuilder, parseBrokerUrl, type BrokerAddress } from './broker-url.js';
import {
  brokerName,
  capabilitiesOf,
  clientOptions,
  type ConnectMqttOptions,
  type MqttConnection,
  type MqttProtocolVersion,
} from './client-options.js';
import { errorMessage, silentLogger, type MqttLogger } from './logger.js';
import { explainTlsFailure } from './tls.js';

/** Thrown when no connection could be made; names the broker without its credentials. */
export class MqttConnectError extends Error {
  override readonly name = 'MqttConnectError';
  constructor(
    readonly broker: string,
    readonly protocolVersion: MqttProtocolVersion,
    override readonly cause: unknown,
    host?: string,
  ) {
    const explained = host === undefined ? undefined : explainTlsFailure(cause, host);
    super(
      `cannot connect to the MQTT broker at ${broker} (MQTT ${protocolVersion === 5 ? '5' : '3.1.1'}): ${errorMessage(cause)}` +
        (explained ? ` — ${explained}` : ''),
    );
  }
}

/** CONNACK codes meaning "I do not speak this protocol version" (3.1.1: 1, MQTT 5: 0x84). */
const PROTOCOL_REFUSED = new Set([1, 0x84]);
const isProtocolRefusal = (e: MqttConnectError): boolean => {
  const code = (e.cause as { code?: unknown } | undefined)?.code;
  return (
    (typeof code === 'number' && PROTOCOL_REFUSED.has(code)) ||
    e.cause instanceof ClosedBeforeConnackError
  );
};

/** Some brokers close the socket on an unknown protocol level instead of answering. */
class ClosedBeforeConnackError extends Error {
  constructor() {
    super('the broker closed the connection before CONNACK');
  }
}

export async function connectMqtt(options: ConnectMqttOptions): Promise<MqttConnection> {
  const address = parseBrokerUrl(options.url);
  const logger = options.logger ?? silentLogger;
  const choice = options.protocol ?? 'auto';
  const versions: MqttProtocolVersion[] = choice === 'auto' ? [5, 4] : [choice];
  for (const version of versions) {
    try {
      return await connectOnce(address, version, options, logger);
    } catch (e) {
      const last = version === versions[versions.length - 1];
      if (last || !(e instanceof MqttConnectError) || !isProtocolRefusal(e)) throw e;
      logger.log(
        `MQTT broker ${brokerName(address)} refused MQTT 5 (${errorMessage(e.cause)}); using MQTT 3.1.1`,
      );
    }
  }
  throw new Error('unreachable: no MQTT protocol version to try');
}

function connectOnce(
  address: BrokerAddress,
  version: MqttProtocolVersion,
  o: ConnectMqttOptions,
  logger: MqttLogger,
): Promise<MqttConnection> {
  const name = brokerName(address);
  const client = new MqttClient(
    noDelayStreamBuilder(address, o.tls),
    clientOptions(address, version, o),
  );
  // Safe: the constructor only opens the socket; no packet is handled before the next tick.
  try {
    o.prepare?.(client);
  } catch (e) {
    client.end(true);
    throw e;
  }
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (cause: unknown): void => {
      if (settled) return;
      settled = true;
      client.end(true);
      reject(new MqttConnectError(name, version, cause, address.host));
    };
    // mqtt.js emits 'error' on an EventEmitter: without a listener it would crash the process.
    client.on('error', (e) =>
      settled ? logger.warn(`MQTT ${name}: ${errorMessage(e)}`) : fail(e),
    );
    const onEarlyClose = (): void => fail(new ClosedBeforeConnackError());
    client.once('close', onEarlyClose);
    client.once('connect', (connack: IConnackPacket) => {
      settled = true;
      client.off('close', onEarlyClose);
      client.options.reconnectPeriod = o.reconnectPeriodMs ?? 1000;
      watchLifecycle(client, name, logger);
      logger.log(`MQTT connected to ${name} with MQTT ${version === 5 ? '5' : '3.1.1'}`);
      resolve({
        client,
        protocolVersion: version,
        capabilities: capabilitiesOf(version, connack),
        close: (force = false) => client.endAsync(force),
      });
    });
  });
}

function watchLifecycle(client: MqttClient, name: string, logger: MqttLogger): void {
  client.on('offline', () => logger.warn(`MQTT ${name}: offline, reconnecting`));
  client.on('reconnect', () => logger.debug?.(`MQTT ${name}: reconnect attempt`));
  client.on('connect', (connack: IConnackPacket) =>
    logger.log(`MQTT ${name}: reconnected (session present: ${connack.sessionPresent})`),
  );
}
