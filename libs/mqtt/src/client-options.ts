/**
 * What `connectMqtt` takes and returns, and how those options become mqtt.js options.
 */
import type tls from 'node:tls';
import type { IClientOptions, IConnackPacket, MqttClient } from 'mqtt';
import type { BrokerAddress } from './broker-url.js';
import type { MqttLogger } from './logger.js';

export type MqttProtocolChoice = 'auto' | 5 | 4;
export type MqttProtocolVersion = 4 | 5;

export interface ConnectMqttOptions {
  readonly url: string;
  /** Override credentials in the URL. */
  readonly username?: string;
  readonly password?: string;
  readonly clientId?: string;
  /** Default `'auto'`. */
  readonly protocol?: MqttProtocolChoice;
  /**
   * Default true. False keeps the session across reconnects, which is what makes an inbound
   * QoS 1 message without PUBACK come back (see `ackAfterHandler`).
   */
  readonly clean?: boolean;
  /** MQTT 5 only, when `clean` is false: how long the broker keeps the session. Default 3600. */
  readonly sessionExpirySeconds?: number;
  /** Default 30. */
  readonly keepaliveSeconds?: number;
  /** Delay between reconnect attempts after the first connection; default 1000. */
  readonly reconnectPeriodMs?: number;
  /** How long to wait for CONNACK; default 10000. */
  readonly connectTimeoutMs?: number;
  readonly tls?: tls.ConnectionOptions;
  readonly will?: IClientOptions['will'];
  readonly logger?: MqttLogger;
  /**
   * Called with each client before it connects (twice when 'auto' falls back). Install
   * message handlers here: with a persistent session the broker sends queued messages right
   * after CONNACK, before `connectMqtt` resolves, and mqtt.js PUBACKs a message nobody handled.
   */
  readonly prepare?: (client: MqttClient) => void;
}

export interface BrokerCapabilities {
  /** `$share/...` may be used (MQTT 5 and the broker did not say otherwise). */
  readonly sharedSubscriptions: boolean;
  /** `messageExpiryInterval` is honoured (every MQTT 5 broker must). */
  readonly messageExpiry: boolean;
  readonly retain: boolean;
  readonly maximumQoS: 0 | 1 | 2;
}

export interface MqttConnection {
  readonly client: MqttClient;
  readonly protocolVersion: MqttProtocolVersion;
  /** As announced in the first CONNACK. */
  readonly capabilities: BrokerCapabilities;
  /** Graceful DISCONNECT (waits for outgoing in-flight messages); `force` drops the socket. */
  close(force?: boolean): Promise<void>;
}

export const brokerName = (a: BrokerAddress): string =>
  `${a.secure ? 'mqtts' : 'mqtt'}://${a.host}:${a.port}`;

export function clientOptions(
  a: BrokerAddress,
  version: MqttProtocolVersion,
  o: ConnectMqttOptions,
): IClientOptions {
  const clean = o.clean ?? true;
  // A persistent session is found again by its client id: a random one would orphan it.
  if (!clean && !o.clientId) throw new TypeError('MQTT clean: false needs a stable clientId');
  const username = o.username ?? a.username;
  const password = o.password ?? a.password;
  return {
    protocolVersion: version,
    clean,
    keepalive: o.keepaliveSeconds ?? 30,
    connectTimeout: o.connectTimeoutMs ?? 10_000,
    // No retries while probing: a refusal must surface as an error, not a reconnect loop.
    reconnectPeriod: 0,
    ...(o.clientId !== undefined ? { clientId: o.clientId } : {}),
    ...(username !== undefined ? { username } : {}),
    ...(password !== undefined ? { password } : {}),
    ...(o.will ? { will: o.will } : {}),
    ...(version === 5 && !clean
      ? { properties: { sessionExpiryInterval: o.sessionExpirySeconds ?? 3600 } }
      : {}),
  };
}

export function capabilitiesOf(
  version: MqttProtocolVersion,
  connack: IConnackPacket,
): BrokerCapabilities {
  if (version === 4)
    return { sharedSubscriptions: false, messageExpiry: false, retain: true, maximumQoS: 2 };
  const p = connack.properties ?? {};
  return {
    // Absent means available (MQTT 5, 3.2.2.3).
    sharedSubscriptions: p.sharedSubscriptionAvailable !== false,
    messageExpiry: true,
    retain: p.retainAvailable !== false,
    maximumQoS: (p.maximumQoS ?? 2) as 0 | 1 | 2,
  };
}
