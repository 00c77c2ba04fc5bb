/** `npm run chaos -- --minutes N --seed S --instances K --rate R`: the command line as a value. */
import { parseArgs as parseNodeArgs } from 'node:util';
import { type ChaosOptions, DEFAULTS } from '../chaos-options.js';
import { randomSeed } from '../random/prng.js';

/** The run's options as given on the command line, plus where to write the JSON report. */
export interface ChaosArgs extends Omit<ChaosOptions, 'say'> {
  readonly json: string | null;
}

export const HELP = `npm run chaos -- [options]
  --minutes N     how long the load and the faults last (default ${DEFAULTS.minutes}; decimals allowed)
  --seed S        replay a run: the same seed draws the same commands, devices and faults
  --instances K   ledger instances (default ${DEFAULTS.instances})
  --rate R        operations per second (default ${DEFAULTS.rate})
  --devices D     simulated devices (default ${DEFAULTS.devices})
  --cycle S       a broker restart, a database restart and a pause every S seconds (default ${DEFAULTS.cycleSeconds})
  --no-pause      no SIGSTOP/SIGCONT of an instance
  --new-instance-id-per-restart
                  a new LEDGER_INSTANCE_ID (so new MQTT client ids) at every restart, as the
                  default (host name and pid) gives; by default an instance keeps its id
  --keep          keep the run directory (cluster, logs) after a passing run
  --json FILE     also write the report as JSON to FILE`;

export function parseArgs(argv: readonly string[]): ChaosArgs | { help: true } | { error: string } {
  let values;
  try {
    ({ values } = parseNodeArgs({
      args: [...argv],
      options: {
        minutes: { type: 'string' },
        seed: { type: 'string' },
        instances: { type: 'string' },
        rate: { type: 'string' },
        devices: { type: 'string' },
        keep: { type: 'boolean' },
        'no-pause': { type: 'boolean' },
        cycle: { type: 'string' },
        'new-instance-id-per-restart': { type: 'boolean' },
        json: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (e) {
    return { error: (e as Error).message };
  }
  if (values.help) return { help: true };
  /** `expected` says what would be accepted, in the error message. */
  const num = (
    raw: string | undefined,
    fallback: number,
    ok: (x: number) => boolean,
    what: string,
    expected: string,
  ) => {
    if (raw === undefined) return fallback;
    const x = Number(raw);
    if (!ok(x)) throw new RangeError(`--${what} ${raw}: expected ${expected}`);
    return x;
  };
  const whole = (x: number) => Number.isInteger(x) && x >= 1;
  try {
    return {
      minutes: num(
        values.minutes,
        DEFAULTS.minutes,
        (x) => x > 0 && x <= 24 * 60,
        'minutes',
        'a number of minutes, at most a day',
      ),
      seed: num(
        values.seed,
        randomSeed(),
        (x) => Number.isInteger(x) && x >= 0 && x < 2 ** 32,
        'seed',
        'a whole number from 0 to 2³²−1',
      ),
      instances: num(
        values.instances,
        DEFAULTS.instances,
        (x) => whole(x) && x <= 16,
        'instances',
        'a whole number from 1 to 16',
      ),
      rate: num(
        values.rate,
        DEFAULTS.rate,
        (x) => whole(x) && x <= 1_000,
        'rate',
        'a whole number from 1 to 1000',
      ),
      devices: num(
        values.devices,
        DEFAULTS.devices,
        (x) => whole(x) && x <= 10_000,
        'devices',
        'a whole number from 1 to 10000',
      ),
      keep: values.keep ?? false,
      pause: !(values['no-pause'] ?? false),
      idPerIncarnation: values['new-instance-id-per-restart'] ?? false,
      cycleSeconds: num(
        values.cycle,
        DEFAULTS.cycleSeconds,
        (x) => whole(x) && x >= 10,
        'cycle',
        'a whole number of seconds ≥ 10',
      ),
      json: values.json ?? null,
    };
  } catch (e) {
    return { error: (e as Error).message };
  }
}
