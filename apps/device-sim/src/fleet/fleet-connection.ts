/**
 * One MQTT connection serving a group of devices, on a `DeviceLink` of @ratchet/device: its
 * epoch per session, will (when it serves one device), births, goodbyes, dedupe memory and
 * answer buffer are the SDK's; what it adds is misbehaviour — going offline and back, cleanly
 * or not (see presence-plan.ts), stale wills and replayed births, replays after a reconnect.
 */
import type tls from 'node:tls';
import type { Duplex } from 'node:stream';
import { DeviceLink, MemoryDeviceStore, type Answer } from '@ratchet/device';
import { encodePresence, errorMessage, presenceTopic, silentLogger } from '@ratchet/mqtt';
import type { BehaviourOptions } from '../behaviour/behaviour.options.js';
import type { PresenceCount } from '../device/device-stats.js';
import type { PresenceKind, SimEventListener } from '../device/sim-event.js';
import type { AnswerPublisher, SimulatedDevice } from '../device/simulated-device.js';
import { deriveSeed, seededRandom } from '../random/seeded-random.js';
import type { FleetOptions } from './fleet.options.js';
import { PresencePlan } from './presence-plan.js';

const CLOSE_GRACE_MS = 2000;

export class FleetConnection implements AnswerPublisher {
  private readonly devices = new Map<string, SimulatedDevice>();
  private link?: DeviceLink;
  private readonly store = new MemoryDeviceStore();
  private readonly emit: SimEventListener;
  private presence?: PresencePlan;
  /** Sessions this connection has had, oldest first: what stale wills and births replay. */
  private readonly epochs: number[] = [];

  constructor(
    readonly index: number,
    private readonly clientId: string,
    private readonly o: FleetOptions & {
      readonly url: string;
      /** The socket's TLS options, from `o.tls` (read and checked by `startFleet`). */
      readonly socketTls?: tls.ConnectionOptions;
    },
    private readonly behaviour: BehaviourOptions,
    seed: number,
  ) {
    this.emit = o.onEvent ?? (() => undefined);
    this.presence = new PresencePlan(
      behaviour,
      seededRandom(deriveSeed(seed, clientId, 'presence')),
      {
        goOffline: (clean) => this.goOffline(clean),
        comeBack: () => this.comeBack(),
        logger: o.logger ?? silentLogger,
      },
    );
  }

  /** Before `open`: the devices this connection speaks for. */
  add(device: SimulatedDevice): void {
    this.devices.set(device.id, device);
  }

  get epoch(): number | undefined {
    return this.link?.epoch;
  }

  async open(): Promise<void> {
    const link = new DeviceLink({
      url: this.o.url,
      deviceIds: [...this.devices.keys()],
      clientId: this.clientId,
      store: this.store,
      protocol: this.o.protocol ?? 'auto',
      // Persistent by default, as real devices: intents sent while offline wait in the broker.
      cleanSession: this.o.cleanSession ?? false,
      sessionExpirySeconds: this.o.sessionExpirySeconds ?? 600,
      reconnect: {
        minMs: this.o.reconnectPeriodMs ?? 200,
        maxMs: 4 * (this.o.reconnectPeriodMs ?? 200),
      },
      presence: this.announcing,
      logger: this.o.logger ?? silentLogger,
      onIntent: (d) => this.devices.get(d.deviceId)?.receive(d),
      ...(this.o.now ? { now: this.o.now } : {}),
      ...(this.o.username !== undefined ? { username: this.o.username } : {}),
      ...(this.o.password !== undefined ? { password: this.o.password } : {}),
      ...(this.o.socketTls ? { tls: this.o.socketTls } : {}),
    });
    link.on('connected', ({ epoch }) => this.began(epoch));
    link.on('disconnected', () =>
      this.emit({ type: 'connection', connection: this.index, state: 'offline' }),
    );
    this.link = link;
    await link.start();
    this.presence?.start();
  }

  answer(deviceId: string, commandId: string, answer: Answer): string {
    return this.link!.answer(deviceId, commandId, answer);
  }

  publish(topic: string, payload: string, retain = false): void {
    this.link?.publish(topic, payload, { retain });
  }

  /**
   * Drops the socket as a network fault would; resolves once reconnected (and replays sent),
   * or once the connection is closed meanwhile.
   */
  async forceReconnect(): Promise<void> {
    const client = this.link?.client;
    const epoch = this.link?.epoch;
    if (!client || client.disconnecting || !client.connected || epoch === undefined) return;
    const back = new Promise<void>((resolve) => {
      const done = (): void => {
        client.off('connect', done).off('end', done);
        resolve();
      };
      client.on('connect', done).on('end', done);
    });
    (client.stream as Duplex).destroy();
    this.countAll('drops');
    this.announce('dropped', false, epoch);
    await back;
  }

  /** A goodbye and a DISCONNECT, forced after a grace period; no more going offline and back. */
  async close(): Promise<void> {
    this.presence?.stop();
    this.presence = undefined;
    const link = this.link;
    const epoch = link?.epoch;
    const saysGoodbye = link?.connected && epoch !== undefined;
    await link?.stop({ timeoutMs: CLOSE_GRACE_MS });
    if (saysGoodbye) {
      this.countAll('goodbyes');
      this.announce('goodbye', false, epoch);
    }
  }

  private began(epoch: number): void {
    const again = this.epochs.length > 0;
    this.epochs.push(epoch);
    this.countAll('births');
    this.announce('birth', true, epoch);
    if (again) {
      this.emit({ type: 'connection', connection: this.index, state: 'reconnected' });
      for (const d of this.devices.values()) d.replay();
    }
    const older = this.epochs.slice(0, -1);
    const lie = this.announcing ? this.presence?.afterBirth(older) : undefined;
    if (lie) {
      for (const id of this.devices.keys())
        this.publish(presenceTopic(id), encodePresence(lie).toString('utf8'), true);
      this.countAll(lie.online ? 'replayedBirthsSent' : 'staleWillsSent');
      this.announce(lie.online ? 'replayed-birth' : 'stale-will', lie.online, lie.epoch);
    }
  }

  private async goOffline(clean: boolean): Promise<void> {
    const link = this.link;
    const epoch = link?.epoch;
    if (!link || epoch === undefined || !link.connected) return;
    await link.stop({ goodbye: clean, timeoutMs: CLOSE_GRACE_MS });
    this.countAll(clean ? 'goodbyes' : 'drops');
    this.announce(clean ? 'goodbye' : 'dropped', false, epoch);
  }

  private async comeBack(): Promise<void> {
    try {
      await this.link?.start();
    } catch (e) {
      (this.o.logger ?? silentLogger).warn(
        `device-sim: connection ${this.index} could not come back: ${errorMessage(e)}; trying again`,
      );
      throw e;
    }
  }

  /** Presence events and counts; none for version-1 devices, which announce nothing. */
  private get announcing(): boolean {
    return this.o.presence ?? true;
  }

  private announce(kind: PresenceKind, online: boolean, epoch: number): void {
    if (!this.announcing) return;
    this.emit({
      type: 'presence',
      connection: this.index,
      deviceIds: [...this.devices.keys()],
      kind,
      online,
      epoch,
    });
  }

  private countAll(what: PresenceCount): void {
    if (!this.announcing) return;
    for (const d of this.devices.values()) d.countPresence(what);
  }
}
