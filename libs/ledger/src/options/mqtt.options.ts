import type { IPublishPacket } from 'mqtt';
import type { MqttTlsFiles } from '@ratchet/mqtt';

/** How the ledger reaches its broker. The module opens and closes these connections itself. */
export interface RatchetMqttOptions {
  readonly url: string;
  readonly username?: string;
  readonly password?: string;
  /**
   * TLS files for an `mqtts://` URL: `caFile` (the CA that signed the broker's certificate;
   * default Node's public CAs), `certFile` and `keyFile` (a client certificate). Checked at
   * start-up (missing, unreadable, expired, a key of another certificate: the start fails with
   * the reason). The broker's certificate is always verified; there is no switch to turn it off.
   * Files with a plain `mqtt://` URL are refused, never ignored.
   */
  readonly tls?: MqttTlsFiles;
  /** Default `'auto'`: MQTT 5 where the broker allows it, 3.1.1 otherwise. */
  readonly protocol?: 'auto' | 5 | 4;
  /** The shared-subscription group of all ledger instances (MQTT 5). Default `ratchet`. */
  readonly sharedGroup?: string;
  /**
   * Inbound connections: shared-subscription members of this instance. Without shared
   * subscriptions (MQTT 3.1.1, the embedded broker) there is always one.
   * Default 16 (`DEFAULT_INBOX_CONNECTIONS`).
   */
  readonly inboxConnections?: number;
  /**
   * Device messages handled at once on each inbound connection. Each PUBACK still waits for
   * its own append and goes out in arrival order; one device's messages never overlap.
   * Throughput per connection is about this ÷ the append's latency. Default 8
   * (`DEFAULT_INBOX_IN_FLIGHT`); 1 handles one message at a time.
   */
  readonly inboxInFlight?: number;
  /**
   * Inbound connections keep their session (`clean: false`, default), so that a message left
   * without PUBACK by a crash is redelivered when the instance comes back with the same client
   * ids. `false` for a broker whose sessions die with the process anyway (the embedded one).
   */
  readonly persistentSession?: boolean;
  /**
   * MQTT 5: how long the broker keeps an inbound session after its connection drops. Under a
   * shared subscription, a session that nobody resumes keeps receiving its share of device
   * answers until it expires, so keep it short unless the instance id is stable. Default 3600.
   */
  readonly sessionExpirySeconds?: number;
  /** Client id prefix; each connection appends its role. Default `ratchet-<instanceId>`. */
  readonly clientIdPrefix?: string;
  /**
   * A broker running in this process (the embedded one: `EmbeddedBroker` of `@ratchet/mqtt`).
   * Device answers are then taken from it before it acknowledges them to the device, so that a
   * crash of the process cannot lose an answer the device was told was delivered.
   */
  readonly inProcessBroker?: InProcessBroker;
}

export interface InProcessBroker {
  takeBeforePuback(
    filters: readonly string[],
    handler: (topic: string, payload: Buffer, packet: IPublishPacket) => Promise<void>,
  ): () => void;
}
