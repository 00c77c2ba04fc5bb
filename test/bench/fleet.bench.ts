/**
 * The fleet benchmark: `npm run bench:fleet` (`-- --help` for the options).
 *
 * The built service runs as a child process (as `npm start` runs it), on PostgreSQL with a
 * private Mosquitto and on its embedded default (PGlite + Aedes). For each:
 *  1. rollout: a group of `--devices` simulated devices (apps/device-sim, answering at once),
 *     one fleet command to the group as fast as it may (or at `--per-minute`/`--max-in-flight`);
 *     printed: children created/s and completed/s (from the fleet's issue), the time to the first
 *     and the last child's intent at its device, and the progress lag (how long after the last
 *     intent reached its device GET /fleet-commands/{id} showed every child executed);
 *  2. creation alone: a group of `--creation` devices that are not connected; the time until
 *     every child exists (not_created = 0), and children created/s;
 *  3. the raw limit it compares with: single-row INSERT commits/s with the service's pool size.
 * Everything started is stopped and removed at the end, on failure and on Ctrl-C.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { startFleetProcess } from './lifecycle/fleet-process.js';
import {
  createDatabase,
  freePort,
  spawnLedger,
  startMosquitto,
  tempDir,
} from './lifecycle/services.js';
import { sleep, teardown, teardownOnSignals } from './lifecycle/teardown.js';
import { postgresRawTarget, rawInsertLimit } from './workloads.js';

const HELP = `npm run bench:fleet -- [--devices 10000] [--creation 100000] [--modes postgres,pglite]
  [--per-minute n] [--max-in-flight n] [--devices-per-connection 100]`;

interface Options {
  devices: number;
  creation: number;
  modes: string[];
  perMinute: number | null;
  maxInFlight: number | null;
  devicesPerConnection: number;
}

const parse = (argv: string[]): Options => {
  const o: Options = {
    devices: 10_000,
    creation: 100_000,
    modes: ['postgres', 'pglite'],
    perMinute: null,
    maxInFlight: null,
    devicesPerConnection: 100,
  };
  for (let i = 0; i < argv.length; i += 1) {
    const [flag, value] = [argv[i], argv[i + 1]];
    const num = () => {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 0) throw new Error(`${flag} needs a whole number`);
      i += 1;
      return n;
    };
    if (flag === '--devices') o.devices = num();
    else if (flag === '--creation') o.creation = num();
    else if (flag === '--per-minute') o.perMinute = num();
    else if (flag === '--max-in-flight') o.maxInFlight = num();
    else if (flag === '--devices-per-connection') o.devicesPerConnection = num();
    else if (flag === '--modes') {
      o.modes = (value ?? '').split(',');
      i += 1;
    } else {
      process.stdout.write(`${HELP}\n`);
      process.exit(flag === '--help' ? 0 : 2);
    }
  }
  return o;
};

const json = async (url: string, method = 'GET', body?: unknown) => {
  const res = await fetch(url, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const parsed = (await res.json()) as Record<string, unknown>;
  if (res.status >= 300)
    throw new Error(`${method} ${url}: ${res.status} ${JSON.stringify(parsed).slice(0, 300)}`);
  return parsed;
};

/** A group of `n` members named `<prefix>-1 … <prefix>-n`, 10,000 a request. */
const makeGroup = async (http: string, group: string, prefix: string, n: number) => {
  for (let from = 1; from <= n; from += 10_000) {
    const ids = Array.from(
      { length: Math.min(10_000, n - from + 1) },
      (_, i) => `${prefix}-${from + i}`,
    );
    await json(`${http}/groups/${group}/devices`, 'POST', { deviceIds: ids });
  }
};

interface FleetFigures {
  readonly createdAllMs: number;
  readonly completedMs: number | null;
}

/** Issues a fleet to `group` and polls its progress until `done` says so (or 10 min). */
const rollOut = async (
  http: string,
  group: string,
  o: Options,
  done: (f: { status: string; counts: Record<string, number> }) => boolean,
): Promise<FleetFigures & { issuedAt: number; id: string }> => {
  const issuedAt = Date.now();
  const rollout = {
    ...(o.perMinute ? { perMinute: o.perMinute } : {}),
    ...(o.maxInFlight ? { maxInFlight: o.maxInFlight } : {}),
  };
  const f = await json(`${http}/fleet-commands`, 'POST', {
    target: { group },
    name: 'bench',
    payload: {},
    rollout,
  });
  const id = f.fleetCommandId as string;
  let createdAllMs = 0;
  for (const deadline = Date.now() + 600_000; Date.now() < deadline;) {
    const v = (await json(`${http}/fleet-commands/${id}`)) as {
      status: string;
      counts: Record<string, number>;
    };
    if (createdAllMs === 0 && v.counts.not_created === 0) createdAllMs = Date.now() - issuedAt;
    if (done(v)) return { issuedAt, id, createdAllMs, completedMs: Date.now() - issuedAt };
    await sleep(100);
  }
  throw new Error(`fleet ${id} did not finish in 10 minutes`);
};

const perSecond = (n: number, ms: number) => (ms > 0 ? Math.round((n * 1000) / ms) : 0);

async function runMode(mode: string, o: Options): Promise<Record<string, string | number>> {
  const run = randomBytes(3).toString('hex');
  let env: Record<string, string>;
  let brokerUrl: string;
  let raw: number | null = null;
  let rawDb: string | null = null;
  if (mode === 'postgres') {
    const db = await createDatabase();
    const broker = await startMosquitto();
    brokerUrl = broker.url;
    env = { LEDGER_STORE: 'postgres', DATABASE_URL: db.url, MQTT_URL: broker.url };
    rawDb = db.url;
  } else {
    const port = await freePort();
    brokerUrl = `mqtt://127.0.0.1:${port}`;
    env = { LEDGER_DATA_DIR: await tempDir('fleet-pglite'), MQTT_EMBEDDED_PORT: String(port) };
  }
  const ledger = await spawnLedger(env);
  if (rawDb) {
    // The raw limit on the same database, the service idle (its schema holds the events table).
    const pool = new pg.Pool({
      connectionString: rawDb,
      max: 10,
    });
    const target = postgresRawTarget(pool);
    await target.setup();
    raw = await rawInsertLimit(target, 10, 2);
    await pool.end();
  }
  const prefix = `fb${run}`;
  const devices = await startFleetProcess({
    url: brokerUrl,
    devices: o.devices,
    prefix,
    devicesPerConnection: o.devicesPerConnection,
    seed: 1,
    cleanSession: true,
    behaviour: {},
  });
  await makeGroup(ledger.httpUrl, `g${run}`, prefix, o.devices);
  const r = await rollOut(ledger.httpUrl, `g${run}`, o, (v) => v.counts.executed === o.devices);
  const intents = [...(await devices.intents('')).values()];
  const first = Math.round(Math.min(...intents) - r.issuedAt);
  const last = Math.round(Math.max(...intents) - r.issuedAt);
  await devices.close();

  let creation: { n: number; ms: number } | null = null;
  if (o.creation > 0) {
    await makeGroup(ledger.httpUrl, `c${run}`, `nc${run}`, o.creation);
    const c = await rollOut(ledger.httpUrl, `c${run}`, o, (v) => v.counts.not_created === 0);
    creation = { n: o.creation, ms: c.createdAllMs };
  }
  await ledger.stop();
  return {
    mode,
    devices: o.devices,
    'children created/s': perSecond(o.devices, r.createdAllMs),
    'completed/s': perSecond(o.devices, r.completedMs ?? 0),
    'first intent (ms)': first,
    'last intent (ms)': last,
    'progress lag (ms)': Math.max(0, (r.completedMs ?? 0) - last),
    'creation only': creation
      ? `${creation.n} in ${creation.ms} ms (${perSecond(creation.n, creation.ms)}/s)`
      : '-',
    'raw INSERT commits/s (10 writers)': raw === null ? '-' : Math.round(raw),
  };
}

async function main(): Promise<void> {
  const o = parse(process.argv.slice(2));
  teardownOnSignals();
  const rows: Record<string, string | number>[] = [];
  try {
    for (const mode of o.modes) {
      process.stdout.write(
        `${mode}: ${o.devices} devices rolling out, then ${o.creation} children created…\n`,
      );
      rows.push(await runMode(mode, o));
    }
  } finally {
    await teardown();
  }
  for (const row of rows) {
    process.stdout.write(`\n${row.mode}\n`);
    for (const [k, v] of Object.entries(row))
      if (k !== 'mode') process.stdout.write(`  ${k.padEnd(36)} ${v}\n`);
  }
  process.stdout.write(
    `\nrollout: ${o.perMinute ? `perMinute ${o.perMinute}` : 'no rate limit'}, ${o.maxInFlight ? `maxInFlight ${o.maxInFlight}` : 'no in-flight cap'}; ` +
      'a child is one CommandRequested append (the mark and up to 500 children per appendMany)\n',
  );
}

main().catch(async (e: unknown) => {
  process.stderr.write(`bench:fleet failed: ${e instanceof Error ? e.stack : String(e)}\n`);
  await teardown();
  process.exit(1);
});
