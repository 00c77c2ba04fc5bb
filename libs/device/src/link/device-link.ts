/**
 * `DeviceLink`: the protocol of CONTRACT.md sections 3 and 5 on one MQTT connection, for one
 * device or a gateway's several, without any policy about what to answer:
 * - every connection gets a new session epoch from the store, taken before its CONNECT;
 * - a will `{ online: false, epoch }` rides on the CONNECT (one device only: MQTT gives a
 *   connection one will), a birth `{ online: true, epoch }` follows the CONNACK, a goodbye
 *   precedes a clean stop — all retained at QoS 1;
 * - intents are decoded, looked up in and recorded to the dedupe memory before they are handed
 *   on (so a crash after that never runs them twice);
 * - answers carry the epoch they were made in and wait in the store until the broker has them,
 *   across reconnects and restarts.
 */
import { EventEmitter } from 'node:events';
import type { MqttClient } from 'mqtt';
import {
  ackTopic,
  closeWithin,
  connectMqtt,
  encodeAck,
  encodeResult,
  errorMessage,
  intentFilter,
  parseBrokerUrl,
  presenceTopic,
  resultTopic,
  silentLogger,
  withinMs,
  type MqttConnection,
  type MqttLogger,
} from '@ratchet/mqtt';
import { AnswerSender } from './answer-sender.js';
import {
  DEFAULT_RECONNECT_MAX_MS,
  DEFAULT_RECONNECT_MIN_MS,
  connectOptions,
  reconnectDelay,
} from './connection.options.js';
import type { Answer } from './intent-delivery.js';
import type { DeviceLinkEvents, DeviceLinkOptions, StopOptions } from './device-link.options.js';
import { announce, willAt } from './presence-messages.js';
import { receiveIntent } from './receive-intent.js';

export class DeviceLink extends EventEmitter<DeviceLinkEvents> {
  readonly deviceIds: readonly string[];
  private readonly ownIds: ReadonlySet<string>;
  private readonly logger: MqttLogger;
  private readonly now: () => number;
  private readonly presence: boolean;
  private readonly sender: AnswerSender;
  private connection?: MqttConnection;
  private current?: MqttClient;
  private starting?: Promise<void>;
  /** Allocated for the CONNECT in progress; becomes the session epoch at its CONNACK. */
  private nextEpoch?: number;
  private sessionEpoch?: number;
  private isConnected = false;
  private reconnectAttempts = 0;
  /** Set by `holdIntents` until the next `start`. */
  private holding = false;

  constructor(private readonly o: DeviceLinkOptions) {
    super();
    if (o.deviceIds.length === 0) throw new RangeError('a DeviceLink needs at least one device id');
    o.deviceIds.forEach((id) => presenceTopic(id)); // checks every id now, not at the first intent
    if (o.tls && !parseBrokerUrl(o.url).secure)
      throw new TypeError(`TLS options were given but ${o.url} is not an mqtts:// URL`);
    this.deviceIds = [...o.deviceIds];
    this.ownIds = new Set(o.deviceIds);
    this.logger = o.logger ?? silentLogger;
    this.now = o.now ?? Date.now;
    this.presence = o.presence ?? true;
    this.sender = new AnswerSender(o.store, this.logger);
  }

  /** The current session's epoch; undefined before the first connection. */
  get epoch(): number | undefined {
    return this.sessionEpoch;
  }

  get connected(): boolean {
    return this.isConnected;
  }

  /**
   * The mqtt.js client while started, for diagnostics and tools. What is published through it
   * bypasses the store: it is neither buffered nor stamped with an epoch.
   */
  get client(): MqttClient | undefined {
    return this.connection?.client;
  }

  /** Connects (rejecting if the first attempt fails), subscribes, and announces the birth. */
  start(): Promise<void> {
    return (this.starting ??= this.open().finally(() => (this.starting = undefined)));
  }

  /**
   * Queues an answer durably, stamped with `epoch` (default: the current session's), and
   * sends it now if connected, else after the next connection. A result is also recorded in
   * the dedupe memory, so that a redelivered intent can be answered again. Returns the payload.
   */
  answer(deviceId: string, commandId: string, answer: Answer, epoch = this.sessionEpoch): string {
    if (epoch === undefined) throw new Error('DeviceLink.answer before any connection');
    if (answer.kind === 'ack') {
      const payload = encodeAck({ epoch }).toString('utf8');
      this.sender.enqueue(ackTopic(deviceId, commandId), payload);
      return payload;
    }
    const result = { ...answer.result, epoch };
    const payload = encodeResult(result).toString('utf8');
    this.sender.enqueue(resultTopic(deviceId, commandId), payload);
    const seen = this.o.store.seen(commandId);
    if (seen && !seen.result) this.o.store.remember({ ...seen, result }, this.now());
    return payload;
  }

  /** Publishes as given (QoS 1), outside the store: for tools that send what no device should. */
  publish(topic: string, payload: string | Buffer, options: { retain?: boolean } = {}): void {
    const retain = options.retain ?? false;
    this.current?.publish(topic, payload, { qos: 1, retain }, (e) => {
      if (e) this.logger.warn(`device publish to ${topic} failed: ${errorMessage(e)}`);
    });
  }

  /**
   * Until the next `start`, intents that arrive are neither recorded nor handed on, nor
   * acknowledged: for a device on its way out. The ledger publishes a command again that was
   * sent and not acknowledged when the device comes back (CONTRACT.md section 5).
   */
  holdIntents(): void {
    this.holding = true;
  }

  /** Leaves the broker (see `StopOptions`); `start` may be called again after. */
  async stop(options: StopOptions = {}): Promise<void> {
    await this.starting?.catch(() => undefined);
    const connection = this.connection;
    if (!connection) return;
    const epoch = this.sessionEpoch;
    const goodbye = (options.goodbye ?? true) && this.isConnected && epoch !== undefined;
    this.connection = this.current = undefined;
    this.sender.use(undefined);
    if (goodbye) {
      const timeoutMs = options.timeoutMs ?? 5000;
      if (this.presence)
        await withinMs(announce(connection.client, this.deviceIds, false, epoch), timeoutMs);
      await closeWithin(timeoutMs)(connection);
    } else {
      // Without DISCONNECT: the broker publishes the will, as after a crash.
      await connection.close(true);
    }
    this.lost();
  }

  private async open(): Promise<void> {
    if (this.connection) return;
    this.holding = false;
    this.nextEpoch = this.o.store.nextEpoch(this.now());
    const will = this.presence ? willAt(this.deviceIds, this.nextEpoch) : undefined;
    const connection = await connectMqtt(
      connectOptions(this.o, this.deviceIds, will, (client) => this.attach(client)),
    );
    this.connection = connection;
    try {
      const filters = this.deviceIds.map((id) => intentFilter(id));
      const granted = await connection.client.subscribeAsync(filters, { qos: 1 });
      const refused = granted.filter((g) => g.qos === 128).map((g) => g.topic);
      if (refused.length > 0) throw new Error(`the broker refused ${refused.join(', ')}`);
    } catch (e) {
      this.connection = this.current = undefined;
      this.sender.use(undefined);
      await connection.close(true);
      this.lost();
      throw new Error(`cannot subscribe to intents at ${this.o.url}: ${errorMessage(e)}`, {
        cause: e,
      });
    }
  }

  /** Installed on each client before its first CONNECT (see `ConnectMqttOptions.prepare`). */
  private attach(client: MqttClient): void {
    this.current = client;
    this.sender.use(client);
    const mine = () => client === this.current;
    client.on('message', (topic, payload) => mine() && this.route(topic, payload));
    client.on('reconnect', () => mine() && this.beforeReconnect(client));
    // The CONNACK itself, before the packets behind it: intents that a persistent session
    // delivers right after it are answered under the new epoch.
    client.on('packetreceive', (packet) => {
      if (mine() && packet.cmd === 'connack' && (packet.reasonCode ?? packet.returnCode) === 0)
        this.sessionEpoch = this.nextEpoch;
    });
    client.on('connect', (connack) => mine() && this.began(client, connack.sessionPresent));
    client.on('close', () => mine() && this.lost());
  }

  /** mqtt.js writes the CONNECT right after its `reconnect` event: a new epoch and will go with it. */
  private beforeReconnect(client: MqttClient): void {
    this.nextEpoch = this.o.store.nextEpoch(this.now());
    const will = this.presence ? willAt(this.deviceIds, this.nextEpoch) : undefined;
    if (will) client.options.will = will;
    const { minMs = DEFAULT_RECONNECT_MIN_MS, maxMs = DEFAULT_RECONNECT_MAX_MS } =
      this.o.reconnect ?? {};
    const attempt = ++this.reconnectAttempts;
    client.options.reconnectPeriod = reconnectDelay(attempt, minMs, maxMs, Math.random());
  }

  private began(client: MqttClient, sessionPresent: boolean): void {
    const epoch = this.sessionEpoch!;
    this.isConnected = true;
    this.reconnectAttempts = 0;
    client.options.reconnectPeriod = this.o.reconnect?.minMs ?? DEFAULT_RECONNECT_MIN_MS;
    if (this.presence)
      announce(client, this.deviceIds, true, epoch).catch((e: unknown) =>
        this.logger.warn(`device ${this.describe()}: birth at epoch ${epoch}: ${errorMessage(e)}`),
      );
    this.sender.connected();
    const session = sessionPresent ? 'resumed' : 'new';
    this.logger.log(
      `device ${this.describe()}: session ${epoch} began (broker session ${session})`,
    );
    this.emit('connected', { epoch, sessionPresent });
  }

  private lost(): void {
    this.sender.disconnected();
    if (!this.isConnected) return;
    this.isConnected = false;
    this.emit('disconnected');
  }

  private route(topic: string, payload: Buffer): void {
    if (this.holding) {
      this.logger.log(`device ${this.describe()}: ${topic} left for after the restart`);
      return;
    }
    const at = { deviceIds: this.ownIds, epoch: this.sessionEpoch!, now: this.now() };
    const received = receiveIntent(topic, payload, at, this.o.store);
    if (!received.ok) return this.logger.warn(`device ${this.describe()}: ${received.why}`);
    try {
      this.o.onIntent(received.delivery);
    } catch (e) {
      this.logger.error(`device: handling intent on ${topic} threw: ${errorMessage(e)}`);
    }
  }

  private describe(): string {
    return this.deviceIds.length === 1 ? this.deviceIds[0]! : `gateway of ${this.deviceIds.length}`;
  }
}
