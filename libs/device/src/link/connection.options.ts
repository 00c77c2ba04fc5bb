/** How a device (or a gateway) reaches its broker: what `RatchetDevice` and `DeviceLink` share. */
import type tls from 'node:tls';
import type { IClientOptions, MqttClient } from 'mqtt';
import type { ConnectMqttOptions, MqttLogger, MqttProtocolChoice } from '@ratchet/mqtt';

export interface ConnectionOptions {
  /** `mqtt://host:1883` or `mqtts://host:8883` (TLS); credentials may be in the URL. */
  readonly url: string;
  readonly username?: string;
  readonly password?: string;
  /** Default: the device id (a brokers' ACL may bind it to the username anyway). */
  readonly clientId?: string;
  /**
   * TLS settings handed to the socket as they are (`ca`, `cert`, `key`, `passphrase`,
   * `servername`, …): a client certificate is `cert` + `key`. Needs an `mqtts://` URL.
   */
  readonly tls?: tls.ConnectionOptions;
  /** Default `'auto'`: MQTT 5, or 3.1.1 when the broker refuses it. */
  readonly protocol?: MqttProtocolChoice;
  /**
   * Default false: a persistent session, so that the broker keeps intents published while
   * the device is away (QoS 1) and delivers them when it comes back.
   */
  readonly cleanSession?: boolean;
  /** MQTT 5: how long the broker keeps that session after a disconnect; default 3600. */
  readonly sessionExpirySeconds?: number;
  /** Default 30. A broker notices a silent drop (and publishes the will) after 1.5 × this. */
  readonly keepaliveSeconds?: number;
  /** Waits between reconnect attempts: doubling from `minMs` (default 1000) to `maxMs` (default 30000), with jitter. */
  readonly reconnect?: { readonly minMs?: number; readonly maxMs?: number };
  /** How long to wait for the broker's CONNACK; default 10000. */
  readonly connectTimeoutMs?: number;
  /**
   * Default true: a birth `{ online: true, epoch }` after each connection, a will
   * `{ online: false, epoch }`, and a goodbye before a clean stop, all retained at QoS 1.
   * False: a version-1 device, whose presence the ledger never knows (`unknown`).
   */
  readonly presence?: boolean;
  /** Nest's `Logger` fits, and so does `console`; default: silent. */
  readonly logger?: MqttLogger;
  /** The clock, in epoch milliseconds; default `Date.now`. For tests. */
  readonly now?: () => number;
}

export const DEFAULT_RECONNECT_MIN_MS = 1000;
export const DEFAULT_RECONNECT_MAX_MS = 30_000;

/**
 * The wait before reconnect attempt `attempt` (1 for the first): doubling from `minMs`, capped at
 * `maxMs`, and drawn between half and all of it, so that a fleet dropped by one broker restart
 * does not come back in one wave. `u` is a uniform draw in [0, 1).
 */
export function reconnectDelay(attempt: number, minMs: number, maxMs: number, u: number): number {
  const ceiling = Math.min(maxMs, minMs * 2 ** Math.min(Math.max(attempt - 1, 0), 30));
  return Math.max(1, Math.round(ceiling * (0.5 + u / 2)));
}

/** These options as `connectMqtt` takes them, for the devices `deviceIds`. */
export function connectOptions(
  o: ConnectionOptions,
  deviceIds: readonly string[],
  will: IClientOptions['will'] | undefined,
  prepare: (client: MqttClient) => void,
): ConnectMqttOptions {
  return {
    url: o.url,
    clientId: o.clientId ?? defaultClientId(deviceIds),
    protocol: o.protocol ?? 'auto',
    clean: o.cleanSession ?? false,
    reconnectPeriodMs: o.reconnect?.minMs ?? DEFAULT_RECONNECT_MIN_MS,
    prepare,
    ...defined({
      username: o.username,
      password: o.password,
      tls: o.tls,
      sessionExpirySeconds: o.sessionExpirySeconds,
      keepaliveSeconds: o.keepaliveSeconds,
      connectTimeoutMs: o.connectTimeoutMs,
      logger: o.logger,
      will,
    }),
  };
}

const defaultClientId = (ids: readonly string[]): string =>
  ids.length === 1 ? ids[0]! : `ratchet-gateway:${ids[0]}..${ids[ids.length - 1]}`;

const defined = <T extends object>(o: T): Partial<T> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
