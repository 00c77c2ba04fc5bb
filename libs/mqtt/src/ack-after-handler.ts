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
 * Several in flight (`concurrency` > 1, QoS 1 only): mqtt.js itself reads one packet at a time
 * and waits for this callback, so with `concurrency: 1` handling is serial per connection
 * (throughput ≈ 1 / handler latency). With more, the handler is started and mqtt.js is told to
 * move on at once (the callback gets a `PubackDeferred`, which skips mqtt.js's own PUBACK);
 * the PUBACKs are sent here, in the order the PUBLISHes arrived (MQTT 3.1.1 §4.6 and 5.0
 * §4.6 require it): a message's PUBACK waits for every earlier message on the connection to
 * be done, and a failed one is skipped (no PUBACK), as in the serial case. When `concurrency`
 * messages are in flight, mqtt.js is held, and so is the socket (TCP pushes back on the
 * broker). Messages whose `orderKey` is equal are handled one after another, in arrival order
 * (e.g. one device's answers), so only unrelated messages overlap. This relies on two facts of
 * mqtt.js 5 (pinned by ack-after-handler.int-spec.ts): an error given to the callback makes it
 * go on to the next packet without a PUBACK, and `_sendPacket` writes a PUBACK straight to the
 * connected stream.
 *
 * A handler that never settles holds its connection's later PUBACKs back (and, when serial,
 * PINGRESP too, so after ~1.5 × keepalive mqtt.js declares the connection dead, reconnects,
 * and the broker redelivers). Do not enable `topicAliasMaximum`: `packet.topic` would then be
 * empty for aliased messages.
 */
import type { IPublishPacket, MqttClient } from 'mqtt';
import { coalesceWrites } from './coalesce-writes.js';
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
  /**
   * QoS 1 messages handled at once on this connection (default 1: one at a time). PUBACKs
   * still go out in arrival order.
   */
  readonly concurrency?: number;
  /** With `concurrency` > 1: messages with the same key never overlap (arrival order). */
  readonly orderKey?: (topic: string) => string;
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
 * Given to mqtt.js's callback when this module sends the PUBACK itself (pipelined handling):
 * mqtt.js then goes on to the next packet without acknowledging this one.
 */
export class PubackDeferred extends Error {
  override readonly name = 'PubackDeferred';
  constructor() {
    super('the PUBACK is sent once this message and every earlier one are done');
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
  const run = (packet: IPublishPacket): Promise<void> =>
    Promise.resolve().then(() => handler(String(packet.topic), packet.payload as Buffer, packet));
  const failed = (error: unknown, packet: IPublishPacket): Error => {
    logger.warn(`MQTT message on ${String(packet.topic)} not acknowledged: ${errorMessage(error)}`);
    try {
      options.onError?.(error, packet);
    } catch (e) {
      // A throwing observer must not stall the client's packet pipeline.
      logger.error(`MQTT onError hook threw: ${errorMessage(e)}`);
    }
    return error instanceof Error ? error : new Error(errorMessage(error));
  };
  const redeliver = (error: unknown, packet: IPublishPacket, stream: unknown): void => {
    if (options.redeliverOn?.(error) && client.stream === stream && client.connected) {
      logger.warn(
        `MQTT message ${String(packet.messageId)} left without PUBACK: reconnecting so that the broker delivers it again`,
      );
      client.stream.destroy();
    }
  };
  const serial: MqttClient['handleMessage'] = (packet, callback) => {
    const stream = client.stream;
    run(packet).then(
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
        callback(failed(error, packet));
        redeliver(error, packet, stream);
      },
    );
  };
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? 1));
  client.handleMessage =
    concurrency === 1
      ? serial
      : pipelined(client, run, {
          concurrency,
          orderKey: options.orderKey,
          serial,
          failed,
          redeliver,
          logger,
        });
  return () => {
    client.handleMessage = previous;
  };
}

interface Slot {
  readonly packet: IPublishPacket;
  /** `true` once handled, or the failure. */
  outcome: true | { readonly error: unknown } | null;
}

/**
 * Pipelined handling for QoS 1: see the module comment. One queue per connection (a new
 * connection starts a new one; what the old one still holds is never acknowledged).
 */
function pipelined(
  client: MqttClient,
  run: (packet: IPublishPacket) => Promise<void>,
  o: {
    readonly concurrency: number;
    readonly orderKey: ((topic: string) => string) | undefined;
    readonly serial: MqttClient['handleMessage'];
    readonly failed: (error: unknown, packet: IPublishPacket) => Error;
    readonly redeliver: (error: unknown, packet: IPublishPacket, stream: unknown) => void;
    readonly logger: MqttLogger;
  },
): MqttClient['handleMessage'] {
  let stream: unknown = null;
  let queue: Slot[] = [];
  /** orderKey → the last message with that key (its handling, settled either way). */
  let tails = new Map<string, Promise<void>>();
  /** mqtt.js waiting for a free slot. */
  let held: (() => void) | null = null;

  const flush = (of: unknown): void => {
    if (of !== stream) return;
    while (queue.length > 0 && queue[0]!.outcome !== null) {
      const { packet, outcome } = queue.shift()! as Slot & {
        outcome: NonNullable<Slot['outcome']>;
      };
      if (outcome === true) {
        if (client.stream !== of || !client.connected) {
          o.logger.warn(
            `MQTT message ${String(packet.messageId)} handled after its connection closed; the broker will redeliver it`,
          );
          continue;
        }
        coalesceWrites(client);
        (client as unknown as PacketSender)._sendPacket({
          cmd: 'puback',
          messageId: packet.messageId,
        });
      } else {
        o.failed(outcome.error, packet);
        o.redeliver(outcome.error, packet, of);
      }
    }
    if (queue.length < o.concurrency && held) {
      const resume = held;
      held = null;
      resume();
    }
  };

  return (packet, callback) => {
    if (packet.qos !== 1) return o.serial(packet, callback);
    if (client.stream !== stream) {
      stream = client.stream;
      queue = [];
      tails = new Map();
      held = null;
    }
    const of = stream;
    const slot: Slot = { packet, outcome: null };
    queue.push(slot);
    const key = o.orderKey?.(String(packet.topic));
    const before = key === undefined ? undefined : tails.get(key);
    const handled = (before ? before.then(() => run(packet)) : run(packet)).then(
      () => {
        slot.outcome = true;
      },
      (error: unknown) => {
        slot.outcome = { error };
      },
    );
    if (key !== undefined) {
      tails.set(key, handled);
      void handled.then(() => {
        if (tails.get(key) === handled) tails.delete(key);
      });
    }
    void handled.then(() => flush(of));
    const next = () => callback(PUBACK_DEFERRED);
    if (queue.length < o.concurrency) next();
    else held = next;
  };
}

/** One instance for all: mqtt.js only tests it, and an Error per message costs a stack trace. */
const PUBACK_DEFERRED = new PubackDeferred();

/** The one mqtt.js 5 internal used here: writes a packet to the connected stream. */
interface PacketSender {
  _sendPacket(packet: { cmd: 'puback'; messageId: number | undefined }): void;
}
