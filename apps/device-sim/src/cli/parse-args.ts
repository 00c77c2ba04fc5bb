/**
 * Command line → fleet options, as a value: `--help`, a run, or one readable error. The checks
 * are the library's own (`resolveBehaviour`, `fleetDeviceIds`), so both refuse the same things.
 */
import { parseArgs as parseNodeArgs } from 'node:util';
import type { MqttProtocolChoice, MqttTlsFiles } from '@ratchet/mqtt';
import { resolveBehaviour, type BehaviourOptions } from '../behaviour/behaviour.options.js';
import {
  DEFAULT_URL,
  fleetDeviceIds,
  groupsOf,
  type FleetOptions,
} from '../fleet/fleet.options.js';
import { randomSeed } from '../random/seeded-random.js';

export type CliCommand =
  | { readonly kind: 'help' }
  | { readonly kind: 'error'; readonly message: string }
  | {
      readonly kind: 'run';
      readonly fleet: FleetOptions & { seed: number };
      readonly quiet: boolean;
    };

/** A replay needs a reconnect to follow; without one asked for, reconnect this often. */
export const DEFAULT_REPLAY_RECONNECT_MS = 10_000;

const text = { type: 'string' } as const;
const RATES = {
  'duplicate-rate': 'duplicateRate',
  'delay-rate': 'delayRate',
  'result-before-ack-rate': 'resultBeforeAckRate',
  'no-ack-rate': 'noAckRate',
  'silent-rate': 'silentRate',
  'failure-rate': 'failureRate',
  'spoof-rate': 'spoofRate',
  'replay-rate': 'replayRate',
  'unclean-offline-rate': 'uncleanOfflineRate',
  'stale-will-rate': 'staleWillRate',
  'replayed-birth-rate': 'replayedBirthRate',
} as const satisfies Record<string, keyof BehaviourOptions>;
const INTS = [
  'devices',
  'devices-per-connection',
  'seed',
  'result-delay-ms',
  'delay-max-ms',
  'replay-buffer',
  'reconnect-every-ms',
  'session-expiry-seconds',
  'offline-every-ms',
  'offline-for-ms',
] as const;
const OPTIONS = {
  ...Object.fromEntries([...Object.keys(RATES), ...INTS].map((k) => [k, text])),
  url: text,
  username: text,
  password: text,
  ca: text,
  cert: text,
  key: text,
  protocol: text,
  prefix: text,
  'device-ids': text,
  'execute-expired': { type: 'boolean' },
  'clean-session': { type: 'boolean' },
  'no-presence': { type: 'boolean' },
  quiet: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function int(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new RangeError(`--${name} must be a whole number ≥ 0, not "${v}"`);
  return Number(v);
}

function rate(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const r = v.trim() === '' ? NaN : Number(v);
  if (!(r >= 0 && r <= 1))
    throw new RangeError(`--${name} must be a number from 0 to 1, not "${v}"`);
  return r;
}

function protocol(v: string | undefined): MqttProtocolChoice | undefined {
  if (v === undefined || v === 'auto') return v;
  if (v === '5' || v === '4') return Number(v) as 4 | 5;
  throw new RangeError(`--protocol must be auto, 5 or 4 (MQTT 3.1.1), not "${v}"`);
}

/** `--ca`, `--cert`, `--key` as paths (read, and checked, when the fleet starts). */
function tlsFiles(s: Record<string, string | undefined>): MqttTlsFiles | undefined {
  const files = defined({ caFile: s['ca'], certFile: s['cert'], keyFile: s['key'] });
  return Object.keys(files).length > 0 ? files : undefined;
}

export function parseArgs(argv: readonly string[]): CliCommand {
  try {
    const { values: v } = parseNodeArgs({
      args: [...argv],
      options: OPTIONS,
      strict: true,
      allowPositionals: false,
    });
    const s = v as Record<string, string | undefined>;
    if (v.help) return { kind: 'help' };
    const behaviour: Partial<{ -readonly [K in keyof BehaviourOptions]: BehaviourOptions[K] }> = {};
    for (const [flag, key] of Object.entries(RATES)) {
      const r = rate(flag, s[flag]);
      if (r !== undefined) behaviour[key] = r;
    }
    const durations = defined({
      delayMaxMs: int('delay-max-ms', s['delay-max-ms']),
      resultDelayMs: int('result-delay-ms', s['result-delay-ms']),
      offlineEveryMs: int('offline-every-ms', s['offline-every-ms']),
      offlineForMs: int('offline-for-ms', s['offline-for-ms']),
    });
    const fleet = {
      url: s['url'] ?? DEFAULT_URL,
      seed: int('seed', s['seed']) ?? randomSeed(),
      behaviour: resolveBehaviour({
        ...behaviour,
        ...durations,
        ...(v['execute-expired'] ? { refuseExpired: false } : {}),
      }),
      ...defined({
        devices: int('devices', s['devices']),
        prefix: s['prefix'],
        deviceIds: s['device-ids']?.split(',').map((id) => id.trim()),
        devicesPerConnection: int('devices-per-connection', s['devices-per-connection']),
        replayBufferSize: int('replay-buffer', s['replay-buffer']),
        reconnectEveryMs:
          int('reconnect-every-ms', s['reconnect-every-ms']) ??
          ((behaviour.replayRate ?? 0) > 0 ? DEFAULT_REPLAY_RECONNECT_MS : undefined),
        cleanSession: v['clean-session'] === true ? true : undefined,
        presence: v['no-presence'] === true ? false : undefined,
        sessionExpirySeconds: int('session-expiry-seconds', s['session-expiry-seconds']),
        username: s['username'],
        password: s['password'],
        tls: tlsFiles(s),
        protocol: protocol(s['protocol']),
      }),
    };
    // Refuse bad ids and groupings now rather than after connecting.
    groupsOf(fleetDeviceIds(fleet), fleet.devicesPerConnection);
    return { kind: 'run', fleet, quiet: v.quiet === true };
  } catch (e) {
    // parseArgs' own TypeErrors (unknown option, missing value) read well as they are.
    return { kind: 'error', message: e instanceof Error ? e.message : String(e) };
  }
}

const defined = <T extends object>(o: T): Partial<T> =>
  Object.fromEntries(Object.entries(o).filter(([, x]) => x !== undefined)) as Partial<T>;
