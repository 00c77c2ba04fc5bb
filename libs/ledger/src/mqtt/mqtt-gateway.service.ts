import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleInit,
} from '@nestjs/common';
import type tls from 'node:tls';
import type { ISubscriptionMap } from 'mqtt';
import type { CommandState } from '@ratchet/lifecycle';
import {
  BrokerUnavailableError,
  INBOUND_FILTERS,
  PRESENCE_FILTER,
  MqttConnectError,
  type MqttConnection,
  ackAfterHandler,
  closeWithin,
  deviceOfTopic,
  connectMqtt,
  encodeState,
  publishWithin,
  TLS_OPTION_NAMES,
  isTlsFailure,
  mqttTlsOptions,
  sharedFilter,
  stateTopic,
  withinMs,
} from '@ratchet/mqtt';
import type { CommandStateMessage } from '@ratchet/read-models';
import { DeviceInbox, InboxRetriesExhaustedError } from './device-inbox.mqtt-controller.js';
import type { IntentPublisher } from '../options/intent-publisher.port.js';
import { InstanceMetadata } from '../services/instance-metadata.js';
import { RATCHET_OPTIONS, type RatchetModuleOptions } from '../options/ratchet.options.js';
import { MqttIntentPublisher } from './mqtt-intent-publisher.js';

/**
 * Owns the ledger's broker connections: one to publish intents, one or more to receive device
 * input (shared-subscription members under MQTT 5). Inbound connections keep their session
 * (`clean: false`) so that a message left without PUBACK by a crash is redelivered; a graceful
 * stop leaves the shared group first, so that no answer is routed to a session nobody reads.
 */
@Injectable()
export class MqttGateway
  implements IntentPublisher, OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown
{
  private readonly logger = new Logger('MqttGateway');
  private publisher: MqttIntentPublisher | null = null;
  private publisherConnection: MqttConnection | null = null;
  private connections: MqttConnection[] = [];
  /** The shared-subscription filters of the inbound connections (none without MQTT 5). */
  private inboundFilters: readonly string[] = [];
  /** Connecting after a start without the broker; awaited at shutdown. */
  private background: Promise<void> | null = null;
  /** The publisher's connection, made in the background, until the inbox is subscribed. */
  private pendingPublisher: MqttConnection | null = null;
  private stopping = false;
  private wakeRetry: (() => void) | null = null;
  /** The socket's TLS options (`mqtts://`), read and checked once at start. */
  private tls: tls.ConnectionOptions | undefined;

  constructor(
    @Inject(RATCHET_OPTIONS) private readonly options: RatchetModuleOptions,
    private readonly inbox: DeviceInbox,
    private readonly meta: InstanceMetadata,
  ) {}

  get enabled(): boolean {
    return this.options.mqtt !== undefined;
  }

  /** Every connection is up (mqtt.js reconnects by itself; this is what readiness reports). */
  get connected(): boolean {
    return this.connections.length > 0 && this.connections.every((c) => c.client.connected);
  }

  async onModuleInit(): Promise<void> {
    const o = this.options.mqtt;
    if (!o) return;
    // Before any connection: a bad file stops the start with its name, not a reconnect loop.
    const { mqttCaFile, mqttCertFile, mqttKeyFile } = this.options;
    const flat = [mqttCaFile, mqttCertFile, mqttKeyFile].some((f) => f !== undefined);
    this.tls = mqttTlsOptions(o.url, o.tls, flat ? FLAT_TLS_NAMES : TLS_OPTION_NAMES);
    if (this.tls) {
      this.logger.log(
        `MQTT over TLS: the broker's certificate is verified against ` +
          `${o.tls?.caFile ?? "Node's public CAs"}` +
          (o.tls?.certFile ? `; client certificate ${o.tls.certFile}` : '; no client certificate'),
      );
      if (process.env['NODE_TLS_REJECT_UNAUTHORIZED'] === '0')
        this.logger.warn(
          'NODE_TLS_REJECT_UNAUTHORIZED=0 is set: it does not apply to the MQTT connections, whose broker certificate is always verified',
        );
    }
    // The first attempt decides: a broker that refuses us (credentials, TLS) stops the start;
    // one that cannot be reached is connected to in the background, and the application
    // starts without it (readiness says so; commands wait in `requested` and the sweeper
    // dispatches them once it is there).
    let unreachable!: () => void;
    const down = new Promise<'down'>((resolve) => (unreachable = () => resolve('down')));
    let background = false;
    const out = this.connect('out', { clean: true }, unreachable).then((conn) => {
      // In the background the publisher waits for the inbox (onApplicationBootstrap): an intent
      // sent before the inbox subscribed could be answered into nowhere.
      if (background) this.pendingPublisher = conn;
      else this.usePublisher(conn);
      return 'up' as const;
    });
    if ((await Promise.race([out, down])) === 'up') return;
    background = true;
    this.logger.warn(
      `MQTT broker ${redactUrl(o.url)} unreachable at start: starting without it, connecting in the background`,
    );
    this.background = out.then(
      () => this.logger.log(`MQTT broker ${redactUrl(o.url)} connected`),
      (e: unknown) => {
        if (!this.stopping) this.logger.error(`MQTT broker: giving up: ${String(e)}`);
      },
    );
  }

  private usePublisher(conn: MqttConnection): void {
    this.publisherConnection = conn;
    this.publisher = new MqttIntentPublisher(conn);
  }

  async onApplicationBootstrap(): Promise<void> {
    const o = this.options.mqtt;
    if (!o) return;
    // A broker in this process: device answers are taken from it before its PUBACK to the
    // device (its own connection would PUBACK on receipt, before anything is recorded), and
    // the inbox connection does not subscribe to them as well.
    const taken = o.inProcessBroker ? INBOUND_FILTERS : [];
    if (o.inProcessBroker) {
      o.inProcessBroker.takeBeforePuback(taken, (topic, payload, packet) =>
        this.inbox.handle(topic, payload, packet),
      );
      this.logger.log(
        'device answers are taken from the in-process broker before it acknowledges them',
      );
    }
    // Subscribe only now: the CQRS handlers are registered during bootstrap. Without the
    // broker yet (see onModuleInit), the inbox follows the publisher in the background.
    if (this.background) {
      this.background = this.background
        .then(async () => {
          if (this.stopping || !this.pendingPublisher) return;
          await this.connectInboxes(o, taken);
          this.usePublisher(this.pendingPublisher);
          this.pendingPublisher = null;
        })
        .catch((e: unknown) => {
          if (!this.stopping) this.logger.error(`MQTT inbox: giving up: ${String(e)}`);
        });
      return;
    }
    await this.connectInboxes(o, taken);
  }

  private async connectInboxes(
    o: NonNullable<RatchetModuleOptions['mqtt']>,
    taken: readonly string[],
  ): Promise<void> {
    const first = await this.connectInbox(0, o.protocol ?? 'auto', taken);
    const shared = first.capabilities.sharedSubscriptions;
    const count = shared ? Math.max(1, o.inboxConnections ?? DEFAULT_INBOX_CONNECTIONS) : 1;
    for (let i = 1; i < count; i++) await this.connectInbox(i, first.protocolVersion, taken);
    this.logger.log(
      `receiving device input on ${count} connection(s), MQTT ${first.protocolVersion === 5 ? '5' : '3.1.1'}` +
        (shared
          ? `, shared group ${o.sharedGroup ?? 'ratchet'}`
          : ', no shared subscriptions (single instance)'),
    );
  }

  /**
   * Retained states (a read model: the state-topic projection calls this after its batch
   * committed, never inside a transaction). Refused at once while disconnected, given up after
   * 5 s otherwise (and then taken back from mqtt.js's store); the projection tries again.
   */
  async publishStates(states: readonly CommandStateMessage[]): Promise<void> {
    const out = this.publisherConnection;
    if (!out?.client.connected)
      throw new BrokerUnavailableError('the MQTT broker is not connected');
    const retention =
      this.options.stateTopic === false ? 0 : (this.options.stateTopic?.retentionSeconds ?? 86_400);
    const properties = out.capabilities.messageExpiry
      ? { properties: { messageExpiryInterval: retention } }
      : {};
    await Promise.all(
      states.map((s) =>
        publishWithin(
          out.client,
          stateTopic(s.deviceId, s.commandId),
          encodeState({ commandId: s.commandId, status: s.status, revision: s.revision, at: s.at }),
          { qos: 1, retain: true, ...properties },
          STATE_PUBLISH_TIMEOUT_MS,
        ),
      ),
    );
  }

  publishIntent(command: CommandState, expiresAt: Date, now: Date): Promise<void | 'too_late'> {
    if (!this.publisher) throw new BrokerUnavailableError('the MQTT gateway is not connected');
    return this.publisher.publishIntent(command, expiresAt, now);
  }

  /** The intent publisher's connection is up. */
  publisherAvailable(): boolean {
    return this.publisher?.isAvailable() ?? false;
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    this.wakeRetry?.();
    await this.background;
    // Under a shared subscription the broker keeps routing a share of device answers to this
    // instance's sessions after it is gone; they would wait there for its return (or be lost
    // when the session expires). Leaving the group first sends them to the other instances;
    // what was already routed here still arrives, and is handled while the inbox settles.
    if (this.inboundFilters.length > 0) {
      const inbound = this.connections.filter((c) => c !== this.publisherConnection);
      await Promise.allSettled(
        inbound.map((c) => withinMs(c.client.unsubscribeAsync([...this.inboundFilters]), 2_000)),
      );
      await this.inbox.settle(SETTLE_QUIET_MS, SETTLE_MAX_MS);
    }
    await this.inbox.close();
    await Promise.allSettled(this.connections.map(closeWithin(GRACEFUL_CLOSE_MS)));
    this.connections = [];
  }

  private async connectInbox(
    index: number,
    protocol: 'auto' | 4 | 5,
    takenInProcess: readonly string[],
  ): Promise<MqttConnection> {
    const o = this.options.mqtt!;
    const conn = await this.connect(`in-${index}`, {
      clean: o.persistentSession === false,
      ...(o.sessionExpirySeconds === undefined
        ? {}
        : { sessionExpirySeconds: o.sessionExpirySeconds }),
      protocol,
      prepare: (client) =>
        ackAfterHandler(
          client,
          (topic, payload, packet) => this.inbox.handle(topic, payload, packet),
          {
            logger: this.logger,
            concurrency: o.inboxInFlight ?? DEFAULT_INBOX_IN_FLIGHT,
            // One device's answers in the order they came (an ack before its result), so that
            // they do not race each other to the same stream.
            orderKey: deviceOfTopic,
            // A store outage longer than the inbox's retries: get the message again.
            redeliverOn: (e) => e instanceof InboxRetriesExhaustedError,
          },
        ),
    });
    const group = o.sharedGroup ?? 'ratchet';
    // Acks, results and presence (section 5), each message to one instance of the group.
    // Presence stays on this connection even with an in-process broker: Aedes publishes a
    // device's will itself, past the hook that takes answers before their PUBACK.
    const wanted = [...INBOUND_FILTERS, PRESENCE_FILTER].filter((f) => !takenInProcess.includes(f));
    if (wanted.length === 0) return conn;
    const filters = conn.capabilities.sharedSubscriptions
      ? wanted.map((f) => sharedFilter(group, f))
      : wanted;
    if (conn.capabilities.sharedSubscriptions) this.inboundFilters = filters;
    await conn.client.subscribeAsync([...filters], { qos: 1 });
    // Again on every reconnect, session or not (SUBSCRIBE is idempotent): mqtt.js resubscribes
    // only when the broker has no session, and Mosquitto 2.0 restored from its persistence
    // brings sessions back without their shared subscriptions, so the instance would receive
    // nothing until it restarted (found by the chaos run). `resubscribe: true`, or mqtt.js
    // skips filters it believes subscribed.
    // A fresh object each time: mqtt.js deletes `resubscribe` from the one it is given.
    const again = () =>
      ({
        ...Object.fromEntries(filters.map((f) => [f, { qos: 1 }])),
        resubscribe: true,
      }) as ISubscriptionMap;
    conn.client.on('connect', () => {
      conn.client
        .subscribeAsync(again())
        .catch((e: unknown) =>
          this.logger.warn(`re-subscribing after a reconnect failed: ${String(e)}`),
        );
    });
    return conn;
  }

  private async connect(
    role: string,
    extra: {
      clean: boolean;
      sessionExpirySeconds?: number;
      protocol?: 'auto' | 4 | 5;
      prepare?: Parameters<typeof connectMqtt>[0]['prepare'];
    },
    /** Told when an attempt fails because the broker cannot be reached. */
    onUnreachable?: () => void,
  ): Promise<MqttConnection> {
    const o = this.options.mqtt!;
    const prefix =
      o.clientIdPrefix ?? `ratchet-${this.meta.instanceId.replace(/[^A-Za-z0-9_.-]/g, '-')}`;
    const options = {
      url: o.url,
      username: o.username,
      password: o.password,
      ...(this.tls ? { tls: this.tls } : {}),
      clientId: `${prefix}-${role}`,
      protocol: extra.protocol ?? o.protocol ?? 'auto',
      clean: extra.clean,
      ...(extra.sessionExpirySeconds === undefined
        ? {}
        : { sessionExpirySeconds: extra.sessionExpirySeconds }),
      prepare: extra.prepare,
      logger: this.logger,
    };
    // A broker that is not up yet (a restart, a deployment starting in any order) is waited
    // for; one that refuses us (credentials, ACL) is a configuration error and stops the start.
    for (let delay = 500; ; delay = Math.min(delay * 2, 5_000)) {
      try {
        const conn = await connectMqtt(options);
        this.connections.push(conn);
        return conn;
      } catch (e) {
        if (!(e instanceof MqttConnectError) || !isNetworkError(e.cause)) throw e;
        if (this.stopping) throw new Error('shutting down', { cause: e });
        onUnreachable?.();
        this.logger.warn(`${e.message}; trying again in ${delay} ms`);
        await new Promise<void>((r) => {
          const t = setTimeout(r, delay);
          this.wakeRetry = () => {
            clearTimeout(t);
            r();
          };
        });
        if (this.stopping) throw new Error('shutting down', { cause: e });
      }
    }
  }
}

/**
 * Device input is handled one message at a time per connection (the PUBACK waits for the
 * append), so throughput is connections ÷ append latency. 16 rather than 4 took the lifecycle
 * benchmark from ~60 to ~120 completed commands/s on a loaded 2-core machine, and gives group
 * commit more concurrent appends to batch.
 */
export const DEFAULT_INBOX_CONNECTIONS = 16;
export const DEFAULT_INBOX_IN_FLIGHT = 8;

/** How `forRoot`'s flat settings name the TLS files in messages. */
const FLAT_TLS_NAMES = {
  caFile: 'mqttCaFile',
  certFile: 'mqttCertFile',
  keyFile: 'mqttKeyFile',
  url: 'mqttUrl',
};

/** How long retained states may wait for their PUBACKs. */
const STATE_PUBLISH_TIMEOUT_MS = 5_000;

/** After leaving the shared group: wait until no message came for this long (at most the max). */
const SETTLE_QUIET_MS = 300;
const SETTLE_MAX_MS = 3_000;

/** A graceful DISCONNECT waits for outgoing QoS 1 messages; with the broker gone it never ends. */
const GRACEFUL_CLOSE_MS = 2_000;

/**
 * Socket-level failures (ECONNREFUSED, ETIMEDOUT, …) carry a string code; CONNACK refusals a
 * number. TLS failures carry a string code too, but are settings to fix (a certificate, a CA, a
 * name): they stop the start instead of being retried for ever.
 */
const isNetworkError = (cause: unknown): boolean =>
  typeof (cause as { code?: unknown } | null)?.code === 'string' && !isTlsFailure(cause);

/** A broker URL without its password, for logs. */
const redactUrl = (url: string): string => url.replace(/\/\/([^:@/]+):([^@/]+)@/, '//$1:***@');
