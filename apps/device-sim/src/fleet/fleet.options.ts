/** What `startFleet` takes, and the pure parts of turning it into devices and connections. */
import { isDeviceId } from '@ratchet/lifecycle';
import type { MqttLogger, MqttProtocolChoice, MqttTlsFiles } from '@ratchet/mqtt';
import type { BehaviourOptions } from '../behaviour/behaviour.options.js';
import type { SimEventListener } from '../device/sim-event.js';

export const DEFAULT_URL = 'mqtt://127.0.0.1:1883';

export interface FleetOptions {
  /** Default `mqtt://127.0.0.1:1883`, where the ledger's embedded broker listens. */
  readonly url?: string;
  /** How many devices, named `${prefix}-1` … `${prefix}-${devices}`; default 10. */
  readonly devices?: number;
  /** Default `device`. */
  readonly prefix?: string;
  /** Explicit ids instead of `devices` and `prefix`. */
  readonly deviceIds?: readonly string[];
  /**
   * Devices sharing one MQTT connection (each with its own subscription); default 100, so
   * 1,000 devices need 10 sockets. 1 gives each device its own connection, like real ones —
   * and its own will: MQTT gives a connection one, so devices that share one have none (a
   * dropped connection leaves them online in the ledger until their next birth).
   */
  readonly devicesPerConnection?: number;
  /** Seeds every device's choices; random when absent (read it back from `fleet.seed`). */
  readonly seed?: number;
  readonly behaviour?: Partial<BehaviourOptions>;
  /** Answers each device keeps for replays; default 50. */
  readonly replayBufferSize?: number;
  /** Drop and re-open every connection this often (replays follow a reconnect); off by default. */
  readonly reconnectEveryMs?: number;
  /**
   * Default false: a persistent session per connection (stable client id, as a real device has),
   * so the broker keeps QoS 1 intents sent while a device is offline — or between two runs.
   */
  readonly cleanSession?: boolean;
  /** MQTT 5: how long the broker keeps a persistent session after a disconnect; default 600. */
  readonly sessionExpirySeconds?: number;
  /** First wait before reconnecting after a drop (doubling up to 4 × this); default 200. */
  readonly reconnectPeriodMs?: number;
  /**
   * Default true: each connection announces its devices' presence (CONTRACT.md section 5) —
   * a birth per session, a will when it serves one device, a goodbye before a clean stop.
   * False: version-1 devices, whose presence the ledger never knows.
   */
  readonly presence?: boolean;
  readonly username?: string;
  readonly password?: string;
  /**
   * TLS files for an `mqtts://` URL: `caFile` (the broker's CA), `certFile` and `keyFile` (the
   * device's client certificate; a broker with `use_identity_as_username` takes its common name
   * as the username). Checked before connecting; the broker's certificate is always verified.
   */
  readonly tls?: MqttTlsFiles;
  /** Default `'auto'`: MQTT 5, or 3.1.1 when the broker refuses it (Aedes). */
  readonly protocol?: MqttProtocolChoice;
  readonly onEvent?: SimEventListener;
  readonly logger?: MqttLogger;
  /** The clock used to decide whether an intent has expired. */
  readonly now?: () => number;
}

/** The fleet's device ids, checked against the topic contract (and for duplicates). */
export function fleetDeviceIds(
  o: Pick<FleetOptions, 'devices' | 'prefix' | 'deviceIds'>,
): string[] {
  const count = o.devices ?? 10;
  if (!o.deviceIds && !(Number.isInteger(count) && count >= 1))
    throw new RangeError(`devices must be a whole number ≥ 1, not ${count}`);
  const ids = o.deviceIds
    ? [...o.deviceIds]
    : Array.from({ length: count }, (_, i) => `${o.prefix ?? 'device'}-${i + 1}`);
  if (ids.length === 0) throw new RangeError('a fleet needs at least one device');
  const bad = ids.filter((id) => !isDeviceId(id));
  if (bad.length > 0)
    throw new RangeError(
      `invalid device ids (see CONTRACT.md section 2): ${bad.slice(0, 5).join(', ')}`,
    );
  if (new Set(ids).size !== ids.length) throw new RangeError('device ids must be unique');
  return ids;
}

/** Splits the ids into groups, one per MQTT connection. */
export function groupsOf<T>(items: readonly T[], size = 100): T[][] {
  if (!(Number.isInteger(size) && size >= 1))
    throw new RangeError(`devicesPerConnection must be a whole number ≥ 1, not ${size}`);
  const groups: T[][] = [];
  for (let i = 0; i < items.length; i += size) groups.push(items.slice(i, i + size));
  return groups;
}

/**
 * A stable client id per connection, derived from its devices: a persistent session is found
 * again by it on the next run, and a broker log names the devices behind each connection.
 */
export const clientIdFor = (group: readonly string[]): string =>
  group.length === 1
    ? `device-sim:${group[0]}`
    : `device-sim:${group[0]}..${group[group.length - 1]}`;
