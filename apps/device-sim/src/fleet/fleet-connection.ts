/**
 * One MQTT connection serving a group of devices: one subscription per device (so a shared
 * broker only sends us our own intents), intents routed by topic, answers published for them.
 */
import type { Duplex } from 'node:stream';
import type { MqttClient } from 'mqtt';
import { connectMqtt, errorMessage, silentLogger, type MqttConnection } from '@ratchet/mqtt';
import { parseIntentTopic } from '../device/intent-message.js';
import type { SimEventListener } from '../device/sim-event.js';
import type { AnswerPublisher, SimulatedDevice } from '../device/simulated-device.js';
import type { FleetOptions } from './fleet.options.js';

const CLOSE_GRACE_MS = 2000;

export class FleetConnection implements AnswerPublisher {
  private readonly devices = new Map<string, SimulatedDevice>();
  private connection?: MqttConnection;
  /** Set before CONNACK: a persistent session's queued intents arrive before `open` resolves. */
  private client?: MqttClient;

  constructor(
    readonly index: number,
    private readonly clientId: string,
    private readonly o: FleetOptions & { readonly url: string },
  ) {}

  /** Before `open`: the devices this connection subscribes for. */
  add(device: SimulatedDevice): void {
    this.devices.set(device.id, device);
  }

  async open(): Promise<void> {
    const logger = this.o.logger ?? silentLogger;
    const c = await connectMqtt({
      url: this.o.url,
      clientId: this.clientId,
      protocol: this.o.protocol ?? 'auto',
      reconnectPeriodMs: this.o.reconnectPeriodMs ?? 200,
      // Persistent by default, as real devices: intents sent while offline wait in the broker.
      clean: this.o.cleanSession ?? false,
      sessionExpirySeconds: this.o.sessionExpirySeconds ?? 600,
      logger,
      ...(this.o.username !== undefined ? { username: this.o.username } : {}),
      ...(this.o.password !== undefined ? { password: this.o.password } : {}),
      prepare: (client) => {
        this.client = client;
        client.on('message', (topic, payload) => this.route(topic, payload));
      },
    });
    this.connection = c;
    const emit = this.o.onEvent ?? ((() => undefined) as SimEventListener);
    c.client.on('offline', () =>
      emit({ type: 'connection', connection: this.index, state: 'offline' }),
    );
    // Registered after the first CONNACK, so every 'connect' here is a reconnection.
    c.client.on('connect', () => {
      emit({ type: 'connection', connection: this.index, state: 'reconnected' });
      for (const d of this.devices.values()) d.replay();
    });
    try {
      const filters = [...this.devices.values()].map((d) => d.intentFilter);
      const granted = await c.client.subscribeAsync(filters, { qos: 1 });
      const refused = granted.filter((g) => g.qos === 128).map((g) => g.topic);
      if (refused.length > 0) throw new Error(`the broker refused ${refused.join(', ')}`);
    } catch (e) {
      this.connection = this.client = undefined;
      await c.close(true);
      throw new Error(`cannot subscribe for devices at ${this.o.url}: ${errorMessage(e)}`, {
        cause: e,
      });
    }
  }

  publish(topic: string, payload: string): void {
    const logger = this.o.logger ?? silentLogger;
    this.client?.publish(topic, payload, { qos: 1, retain: false }, (e) => {
      if (e) logger.warn(`device-sim: publish to ${topic} failed: ${errorMessage(e)}`);
    });
  }

  /**
   * Drops the socket as a network fault would; resolves once reconnected (and replays sent),
   * or once the connection is closed meanwhile.
   */
  async forceReconnect(): Promise<void> {
    const client = this.connection?.client;
    if (!client || client.disconnecting || !client.connected) return;
    const back = new Promise<void>((resolve) => {
      const done = (): void => {
        client.off('connect', done).off('end', done);
        resolve();
      };
      client.on('connect', done).on('end', done);
    });
    (client.stream as Duplex).destroy();
    await back;
  }

  /** Graceful DISCONNECT (in-flight QoS 1 answers leave first), forced after a grace period. */
  async close(): Promise<void> {
    const c = this.connection;
    if (!c) return;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((r) => (timer = setTimeout(() => r('late'), CLOSE_GRACE_MS)));
    const outcome = await Promise.race([c.close(false).then(() => 'closed' as const), late]);
    clearTimeout(timer);
    if (outcome === 'late') await c.close(true);
  }

  private route(topic: string, payload: Uint8Array): void {
    const ids = parseIntentTopic(topic);
    const device = ids && this.devices.get(ids.deviceId);
    device?.receive(ids!.commandId, payload);
  }
}
