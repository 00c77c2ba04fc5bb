/**
 * `startFleet`: N simulated devices over a few MQTT connections. Resolves once every device is
 * subscribed, so a test may publish intents right away.
 */
import { mqttTlsOptions } from '@ratchet/mqtt';
import { resolveBehaviour } from '../behaviour/behaviour.options.js';
import { sumStats, type DeviceStats } from '../device/device-stats.js';
import { SimulatedDevice } from '../device/simulated-device.js';
import { randomSeed } from '../random/seeded-random.js';
import { FleetConnection } from './fleet-connection.js';
import {
  clientIdFor,
  DEFAULT_URL,
  fleetDeviceIds,
  groupsOf,
  type FleetOptions,
} from './fleet.options.js';

export interface FleetStats {
  readonly seed: number;
  readonly total: DeviceStats;
  readonly devices: Readonly<Record<string, DeviceStats>>;
}

export interface Fleet {
  /** Print it: the same seed (and options) replays the same choices. */
  readonly seed: number;
  readonly deviceIds: readonly string[];
  readonly connections: number;
  device(id: string): SimulatedDevice | undefined;
  stats(): FleetStats;
  /**
   * Drops every connection at once (the broker publishes the wills); resolves when all are back
   * (at new epochs) and have replayed.
   */
  reconnect(): Promise<void>;
  /**
   * Cancels pending answers, stops reconnecting, ends the connections (a persistent session
   * stays in the broker until it expires). Idempotent.
   */
  close(): Promise<void>;
}

/** The simulator's flags, named in messages about its TLS files. */
const SIM_TLS_NAMES = { caFile: '--ca', certFile: '--cert', keyFile: '--key', url: '--url' };

/** Enough parallel CONNECTs to start 1,000 single-device connections quickly, not all at once. */
const CONNECT_CONCURRENCY = 16;

export async function startFleet(options: FleetOptions = {}): Promise<Fleet> {
  const url = options.url ?? DEFAULT_URL;
  // Before any connection: a missing or expired certificate is named, not retried.
  const socketTls = mqttTlsOptions(url, options.tls, SIM_TLS_NAMES);
  const o = { ...options, url, ...(socketTls ? { socketTls } : {}) };
  const behaviour = resolveBehaviour(o.behaviour);
  const ids = fleetDeviceIds(o);
  const seed = o.seed ?? randomSeed();
  const groups = groupsOf(ids, o.devicesPerConnection);
  const connections = groups.map(
    (group, i) => new FleetConnection(i, clientIdFor(group), o, behaviour, seed),
  );
  const devices = new Map<string, SimulatedDevice>();
  groups.forEach((group, i) => {
    for (const id of group) {
      const device = new SimulatedDevice({
        id,
        behaviour,
        seed,
        peers: ids,
        publisher: connections[i]!,
        ...(o.replayBufferSize !== undefined ? { replayBufferSize: o.replayBufferSize } : {}),
        ...(o.onEvent ? { onEvent: o.onEvent } : {}),
        ...(o.now ? { now: o.now } : {}),
      });
      devices.set(id, device);
      connections[i]!.add(device);
    }
  });

  const closeAll = async (): Promise<void> => {
    for (const d of devices.values()) d.close();
    await Promise.all(connections.map((c) => c.close()));
  };
  try {
    await inBatches(connections, CONNECT_CONCURRENCY, (c) => c.open());
  } catch (e) {
    await closeAll();
    throw e;
  }

  let reconnecting: Promise<void> | undefined;
  const reconnect = (): Promise<void> =>
    (reconnecting ??= Promise.all(connections.map((c) => c.forceReconnect()))
      .then(() => undefined)
      .finally(() => (reconnecting = undefined)));
  const interval =
    o.reconnectEveryMs && o.reconnectEveryMs > 0
      ? setInterval(() => void reconnect(), o.reconnectEveryMs)
      : undefined;
  let closing: Promise<void> | undefined;

  return {
    seed,
    deviceIds: ids,
    connections: connections.length,
    device: (id) => devices.get(id),
    stats: () => {
      const per = Object.fromEntries([...devices].map(([id, d]) => [id, d.stats()]));
      return { seed, total: sumStats(Object.values(per)), devices: per };
    },
    reconnect,
    close: () => (closing ??= (clearInterval(interval), closeAll())),
  };
}

async function inBatches<T>(items: readonly T[], size: number, f: (t: T) => Promise<void>) {
  for (let i = 0; i < items.length; i += size) {
    // allSettled, so a failure does not leave half a batch connecting behind our back.
    const outcomes = await Promise.allSettled(items.slice(i, i + size).map(f));
    const failed = outcomes.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }
}
