/** `npm run bench -- [options]`: what the lifecycle benchmark takes. */
import { parseArgs } from 'node:util';

export type Mode = 'postgres' | 'embedded';

export interface BenchOptions {
  readonly modes: readonly Mode[];
  readonly postgresRates: readonly number[];
  readonly embeddedRates: readonly number[];
  readonly stepSeconds: number;
  readonly drainSeconds: number;
  readonly devices: number;
  readonly devicesPerConnection: number;
  readonly httpConnections: number;
  readonly rawSeconds: number;
  /** 0: no soak. Otherwise a single rate held this long instead of the rate steps. */
  readonly soakMinutes: number;
  readonly soakRate: number;
  /** Keep going after a step the ledger could not keep up with. */
  readonly noStop: boolean;
  /** A directory for the ledger's --cpu-prof profiles (kept), or null. */
  readonly cpuProf: string | null;
  /** Extra Node.js options for the ledger process (diagnostics, e.g. `--import ./x.js`). */
  readonly ledgerNodeArgs: readonly string[];
}

export const HELP = `npm run bench -- [options]

Runs the ledger service (apps/ledger/dist) against PostgreSQL + a private Mosquitto, then on its
embedded default (PGlite + Aedes), with a simulated fleet answering every intent at once
(ack, then executed), and issues commands over HTTP at increasing rates (open loop).

  --modes postgres,embedded   which set-ups (default both; with --soak-minutes: postgres)
  --rates 50,100,150,250,500,1000,1250,1500
                              command rates for PostgreSQL (per second); a rate the ledger
                              cannot keep up with ends the ladder (unless --no-stop)
  --embedded-rates 25,50,100,200,250,300
                              command rates for the embedded default
  --step-seconds 12           issuing time per rate
  --drain-seconds 20          at most this long to wait for a step's commands to finish
  --devices 1000              simulated devices (--devices-per-connection 100)
  --http-connections 64       keep-alive connections of the load generator
  --raw-seconds 4             length of the raw INSERT measurement
  --soak-minutes N            hold --soak-rate (default 100/s) for N minutes instead of the
                              steps (PostgreSQL), one line a minute, then memory's trend
  --no-stop                   keep raising the rate after the ledger fell behind
  --cpu-prof DIR              run the ledger with --cpu-prof, profiles written to DIR
  --ledger-node-args "…"      extra Node.js options for the ledger process (space-separated)
  --help`;

const list = (raw: string, name: string): number[] => {
  const values = raw.split(',').map((s) => Number(s.trim()));
  if (values.length === 0 || values.some((v) => !(v > 0)))
    throw new Error(`--${name}: a comma-separated list of positive numbers, not "${raw}"`);
  return values;
};

const positive = (raw: string, name: string, integer = false): number => {
  const v = Number(raw);
  if (!(v > 0) || (integer && !Number.isInteger(v)))
    throw new Error(`--${name}: a positive ${integer ? 'whole ' : ''}number, not "${raw}"`);
  return v;
};

export function parseOptions(argv: readonly string[]): BenchOptions | 'help' {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    options: {
      modes: { type: 'string' },
      rates: { type: 'string', default: '50,100,150,250,500,1000,1250,1500' },
      'embedded-rates': { type: 'string', default: '25,50,100,200,250,300' },
      'step-seconds': { type: 'string', default: '12' },
      'drain-seconds': { type: 'string', default: '20' },
      devices: { type: 'string', default: '1000' },
      'devices-per-connection': { type: 'string', default: '100' },
      'http-connections': { type: 'string', default: '64' },
      'raw-seconds': { type: 'string', default: '4' },
      'soak-minutes': { type: 'string', default: '0' },
      'soak-rate': { type: 'string', default: '100' },
      'no-stop': { type: 'boolean', default: false },
      'cpu-prof': { type: 'string' },
      'ledger-node-args': { type: 'string', default: '' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return 'help';
  const soakMinutes =
    values['soak-minutes'] === '0' ? 0 : positive(values['soak-minutes'], 'soak-minutes');
  const modes = (values.modes ?? (soakMinutes > 0 ? 'postgres' : 'postgres,embedded'))
    .split(',')
    .map((m) => m.trim());
  const bad = modes.filter((m) => m !== 'postgres' && m !== 'embedded');
  if (bad.length > 0 || modes.length === 0)
    throw new Error(`--modes: postgres and/or embedded, not "${values.modes}"`);
  return {
    modes: modes as Mode[],
    postgresRates: list(values.rates, 'rates'),
    embeddedRates: list(values['embedded-rates'], 'embedded-rates'),
    stepSeconds: positive(values['step-seconds'], 'step-seconds'),
    drainSeconds: positive(values['drain-seconds'], 'drain-seconds'),
    devices: positive(values.devices, 'devices', true),
    devicesPerConnection: positive(
      values['devices-per-connection'],
      'devices-per-connection',
      true,
    ),
    httpConnections: positive(values['http-connections'], 'http-connections', true),
    rawSeconds: positive(values['raw-seconds'], 'raw-seconds'),
    soakMinutes,
    soakRate: positive(values['soak-rate'], 'soak-rate'),
    noStop: values['no-stop'],
    cpuProf: values['cpu-prof'] ?? null,
    ledgerNodeArgs: values['ledger-node-args'].split(' ').filter(Boolean),
  };
}
