/**
 * PUBACK after the work is done (DESIGN.md: "the PUBACK is sent after the append commits").
 *
 * mqtt.js calls `client.handleMessage(packet, callback)` for every inbound PUBLISH and sends
 * the QoS 1 PUBACK (QoS 2: PUBCOMP) only when `callback()` is called without an error. We
 * install an async handler there:
 *
 * - handler resolves → PUBACK is sent.
 * - handler rejects (or throws) → no PUBACK; the error goes to `onError` and the client moves
 *   on to the next packet. The broker keeps the message in flight and redelivers it (DUP set)
 *   on the next reconnect of a persistent session (`clean: false`); with a clean session it
 *   is lost. MQTT forbids redelivery on the same connection, so a store outage does not cause
 *   a hot loop, but unacked messages use up the broker's in-flight window until reconnect.
 * - the connection drops while the handler runs → no PUBACK even if the handler then
 *   succeeds: packet ids belong to a connection, and mqtt.js would otherwise queue the stale
 *   PUBACK and send it on the new connection, where it could acknowledge another message.
 *
 * Quirk: mqtt.js processes inbound packets strictly one at a time and waits for this callback,
 * so handling is serial per client (throughput ≈ 1 / handler latency; scale with more
 * shared-subscription members), and a handler that never settles also holds back PINGRESP,
 * so after ~1.5 × keepalive mqtt.js declares the connection dead, reconnects, and the broker
 * redelivers. Do not enable `topicAliasMaximum`: `packet.topic` would then be empty for
 * aliased messages.
 */
import type { IPublishPacket, MqttClient } from 'mqtt';
import { errorMessage, silentLogger, type MqttLogger } from './logger.js';

export type InboundMessageHandler = (
  topic: string,
  payload: Buffer,
  packet: IPublishPacket,
) => Promise<void> | void;

export interface AckAfterHandlerOptions {
  /** Called when the handler fails (the message stays unacknowledged). */
  readonly onError?: (error: unknown, packet: IPublishPacket) => void;
  /**
   * When this says so for a failure, the connection is dropped (as by a network fault) right
   * after it: the broker delivers a message without PUBACK again only on a new connection of
   * the session, and a connection that stays up would leave it stranded until it happens to
   * drop. mqtt.js reconnects by itself; for a persistent session the broker then sends every
   * message still unacknowledged, in order.
   */
  readonly redeliverOn?: (error: unknown) => boolean;
  readonly logger?: MqttLogger;
}

/** Raised (to mqtt.js only) when a handler finishes on a connection that has since been replaced. */
export class ConnectionReplacedError extends Error {
  override readonly name = 'ConnectionReplacedError';
  constructor(readonly messageId: number | undefined) {
    super(
      `connection replaced while handling message ${String(messageId)}; PUBACK withheld, the broker redelivers`,
    );
  }
}

/**
 * Installs `handler` as the client's `handleMessage`. Returns a function that restores the
 * previous one. Use `subscribe` as usual; `'message'` events still fire (before the handler).
 */
export function ackAfterHandler(
  client: MqttClient,
  handler: InboundMessageHandler,
  options: AckAfterHandlerOptions = {},
): () => void {
  const logger = options.logger ?? silentLogger;
  const previous = client.handleMessage;
  client.handleMessage = (packet, callback) => {
    const stream = client.stream;
    Promise.resolve()
      .then(() => handler(String(packet.topic), packet.payload as Buffer, packet))
      .then(
        () => {
          if (client.stream !== stream || !client.connected) {
            logger.warn(
              `MQTT message ${String(packet.messageId)} handled after its connection closed; the broker will redeliver it`,
            );
            return callback(new ConnectionReplacedError(packet.messageId));
          }
          callback();
        },
        (error: unknown) => {
          logger.warn(
            `MQTT message on ${String(packet.topic)} not acknowledged: ${errorMessage(error)}`,
          );
          try {
            options.onError?.(error, packet);
          } catch (e) {
            // A throwing observer must not stall the client's packet pipeline.
            logger.error(`MQTT onError hook threw: ${errorMessage(e)}`);
          }
          callback(error instanceof Error ? error : new Error(errorMessage(error)));
          if (options.redeliverOn?.(error) && client.stream === stream && client.connected) {
            logger.warn(
              `MQTT message ${String(packet.messageId)} left without PUBACK: reconnecting so that the broker delivers it again`,
            );
            stream.destroy();
          }
        },
      );
  };
  return () => {
    client.handleMessage = previous;
  };
}
