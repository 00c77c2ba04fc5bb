/**
 * The lifecycle benchmark: `npm run bench` (`-- --help` for the options).
 *
 * The built service runs as a child process, exactly as `npm start` runs it: first on
 * PostgreSQL with a private Mosquitto (Nagle off, no queue or in-flight limits), then on its
 * embedded default (PGlite + Aedes). A fleet of simulated devices (apps/device-sim, in a child
 * process of its own) answers every intent at once: ack, then executed. An open-loop generator
 * issues POST /commands at each rate for a while; the ledger is then given time to finish, and
 * each command's fate and latency are read from the ledger's events table afterwards (see
 * lifecycle/outcomes.ts for exactly what the latency measures). CPU and memory of every process
 * involved come from /proc. Everything started is stopped and removed at the end, on failure
 * and on Ctrl-C.
 */
import { PGlite } from '@electric-sql/pglite';
import { createPgliteEventStore } from '@ratchet/event-store';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import os from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { startFleetProcess } from './lifecycle/fleet-process.js';
import { n0, n2, table } from './lifecycle/format.js';
import { goalRows, type SoakFigures, verdict } from './lifecycle/goals.js';
import { readCounters, waitForTerminal } from './lifecycle/ledger-metrics.js';
import { LoadGenerator } from './lifecycle/load.js';
import { HELP, parseOptions, type BenchOptions, type Mode } from './lifecycle/options.js';
import { commandIdFor, type QueryRows, windowPrefix } from './lifecycle/outcomes.js';
import type { CpuGroups } from './lifecycle/proc.js';
import { figures, idleCheck, machine, printMode, type ModeResult } from './lifecycle/report.js';
import {
  createDatabase,
  freePort,
  spawnLedger,
  startMosquitto,
  tempDir,
} from './lifecycle/services.js';
import { soak } from './lifecycle/soak.js';
import { type Context, type DbCounters, outcomeOf, runSteps } from './lifecycle/step.js';
import { onTeardown, teardown, teardownOnSignals } from './lifecycle/teardown.js';
import { pgliteRawTarget, postgresRawTarget, rawInsertLimit } from './workloads.js';

/** The service's pg pool (createPool's default): the concurrency the raw limit is measured at. */
const LEDGER_POOL_SIZE = 10;
/** Before the steps, unmeasured: JIT, pools, prepared statements. At most this rate. */
const WARM_UP = { rate: 100, seconds: 3 };
/** The ledger's PostgreSQL schema in the benchmark's database (its default). */
const BENCH_SCHEMA = 'ratchet';

const results: ModeResult[] = [];
let soakVerdict: string | null = null;
let soakFigures: SoakFigures | null = null;

// ---------------------------------------------------------------- set-ups

async function startContext(
  mode: Mode,
  o: BenchOptions,
  env: Record<string, string>,
  brokerUrl: () => string,
  groups: Omit<CpuGroups, 'service' | 'fleet'>,
  /** The warm-up runs at WARM_UP.rate or this, whichever is lower. */
  warmUpCeiling: number,
  dbCounters?: () => Promise<DbCounters>,
): Promise<Context> {
  const run = randomBytes(4).toString('hex');
  const nodeArgs: string[] = [...o.ledgerNodeArgs];
  if (o.cpuProf) {
    const dir = resolve(o.cpuProf, mode);
    await mkdir(dir, { recursive: true });
    nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${dir}`);
  }
  const ledger = await spawnLedger(env, nodeArgs);
  const devicePrefix = `bench${run}`;
  const fleet = await startFleetProcess({
    url: brokerUrl(),
    devices: o.devices,
    prefix: devicePrefix,
    devicesPerConnection: o.devicesPerConnection,
    seed: 1,
    cleanSession: true,
    behaviour: {},
  });
  const generator = new LoadGenerator(ledger.httpUrl, o.httpConnections);
  onTeardown('close the load generator', () => generator.close());
  console.log(
    `  ledger pid ${ledger.pid} on ${ledger.httpUrl}; ${o.devices} devices on ${fleet.connections} MQTT connections (pid ${fleet.pid})`,
  );
  const ctx: Context = {
    mode,
    run,
    devicePrefix,
    o,
    ledger,
    fleet,
    generator,
    groups: { service: () => [ledger.pid], fleet: () => [fleet.pid], ...groups },
    ...(dbCounters ? { dbCounters } : {}),
  };
  // Warm-up (JIT, pools, prepared statements); its commands are not analysed.
  const warmUpRate = Math.min(WARM_UP.rate, warmUpCeiling);
  await ctx.generator.run({
    rate: warmUpRate,
    seconds: WARM_UP.seconds,
    commandId: (seq) => commandIdFor(run, 0, seq),
    deviceId: (seq) => `${devicePrefix}-${(seq % o.devices) + 1}`,
  });
  await waitForTerminal(ledger.httpUrl, warmUpRate * WARM_UP.seconds, 15_000);
  await fleet.intents(windowPrefix(run, 0));
  return ctx;
}

async function postgresMode(o: BenchOptions): Promise<void> {
  const database = await createDatabase();
  const broker = await startMosquitto();
  const dataDir = await tempDir('data');
  // The ledger's tables live in its schema (DATABASE_SCHEMA, set explicitly below); the raw
  // table beside them, so that both are measured in the same place.
  const pool = new pg.Pool({
    connectionString: database.url,
    max: LEDGER_POOL_SIZE,
    options: `-c search_path=${BENCH_SCHEMA}`,
  });
  pool.on('error', () => undefined); // connections cut by DROP DATABASE … FORCE
  onTeardown('close the benchmark pool', () => pool.end());
  const version = (await pool.query<{ server_version: string }>('SHOW server_version')).rows[0]!
    .server_version;
  const title = `PostgreSQL ${version} + Mosquitto ${mosquittoVersion()} (database ${database.name})`;
  console.log(`\n${title}`);
  // This database's backends and the server's own processes (not other databases' backends).
  let postgresPids: number[] = [];
  const refreshPids = async (): Promise<void> => {
    const { rows } = await pool.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity
        WHERE datname = current_database() OR backend_type <> 'client backend'`,
    );
    postgresPids = rows.map((r) => r.pid);
  };
  await refreshPids();
  const refresher = setInterval(() => void refreshPids().catch(() => undefined), 1000);
  onTeardown('stop watching PostgreSQL', () => clearInterval(refresher));
  const ctx = await startContext(
    'postgres',
    o,
    {
      LEDGER_STORE: 'postgres',
      DATABASE_URL: database.url,
      DATABASE_SCHEMA: BENCH_SCHEMA,
      MQTT_URL: broker.url,
      MQTT_SHARED_GROUP: `bench-${randomBytes(4).toString('hex')}`,
      LEDGER_DATA_DIR: dataDir,
    },
    () => broker.url,
    { broker: () => [broker.pid], postgres: () => postgresPids },
    o.soakMinutes > 0 ? o.soakRate : o.postgresRates[0]!,
    async () => {
      const { rows } = await pool.query<{ commits: string; syncs: string; bytes: string }>(
        `SELECT d.xact_commit AS commits, w.wal_sync AS syncs, w.wal_bytes AS bytes
           FROM pg_stat_database d, pg_stat_wal w WHERE d.datname = current_database()`,
      );
      const r = rows[0]!;
      return { commits: Number(r.commits), walSyncs: Number(r.syncs), walBytes: Number(r.bytes) };
    },
  );
  // The raw limit on the same server and database, with the service idle.
  const rawTarget = postgresRawTarget(pool);
  await rawTarget.setup();
  const raw = await rawInsertLimit(rawTarget, LEDGER_POOL_SIZE, o.rawSeconds);
  console.log(
    `  raw limit: ${n0(raw)} single-row INSERT commits/s at ${LEDGER_POOL_SIZE} connections (the ledger's pool size)`,
  );
  const query: QueryRows = async (sql, params) => (await pool.query(sql, params)).rows;
  const result: ModeResult = {
    mode: 'postgres',
    title,
    raw: {
      perSecond: raw,
      what: `single-row INSERT commits/s at ${LEDGER_POOL_SIZE} connections`,
    },
    steps: [],
  };
  results.push(result);
  if (o.soakMinutes > 0) {
    ({ verdict: soakVerdict, figures: soakFigures } = await soak(ctx, query));
  } else {
    result.steps.push(...(await runSteps(ctx, o.postgresRates, query)));
  }
  result.tables = await tableWork(pool, (await readCounters(ctx.ledger.httpUrl)).terminal);
  await ctx.fleet.close();
  await ctx.ledger.stop();
}

/** Per command: rows inserted / updated and index scans of each table the ledger touched. */
async function tableWork(pool: pg.Pool, commands: number): Promise<string> {
  const { rows } = await pool.query<Record<string, string>>(
    `SELECT relname, n_tup_ins, n_tup_upd, n_tup_del, coalesce(idx_scan, 0) AS idx_scan, seq_scan
       FROM pg_stat_user_tables
      WHERE relname <> 'raw_events' AND n_tup_ins + n_tup_upd + n_tup_del + coalesce(idx_scan, 0) > 0
      ORDER BY relname`,
  );
  const per = (v: string | undefined) => n2(Number(v) / commands);
  return table(
    ['table', 'inserted', 'updated', 'deleted', 'index scans', 'seq scans'],
    rows.map((r) => [
      r.relname!,
      per(r.n_tup_ins),
      per(r.n_tup_upd),
      per(r.n_tup_del),
      per(r.idx_scan),
      per(r.seq_scan),
    ]),
  );
}

async function embeddedMode(o: BenchOptions): Promise<void> {
  const title = 'Embedded default: PGlite + Aedes (MQTT 3.1.1), in the ledger process';
  console.log(`\n${title}`);
  // PGlite's raw limit, in an instance of its own in this process, before the ledger starts.
  const rawDir = await tempDir('pglite-raw');
  const rawDb = await PGlite.create(rawDir);
  const rawStore = await createPgliteEventStore({ pglite: rawDb }); // creates `events`
  const rawTarget = pgliteRawTarget(rawDb);
  await rawTarget.setup();
  const raw = await rawInsertLimit(rawTarget, 1, o.rawSeconds);
  await rawStore.close();
  await rawDb.close();
  console.log(
    `  raw limit: ${n0(raw)} single-row INSERT commits/s on a PGlite of its own (one connection)`,
  );

  const dataDir = await tempDir('data');
  const mqttPort = await freePort();
  const ctx = await startContext(
    'embedded',
    o,
    { MQTT_EMBEDDED_PORT: String(mqttPort), LEDGER_DATA_DIR: dataDir },
    () => `mqtt://127.0.0.1:${mqttPort}`,
    {},
    o.embeddedRates[0]!,
  );
  const steps = await runSteps(ctx, o.embeddedRates);
  results.push({
    mode: 'embedded',
    title,
    raw: { perSecond: raw, what: 'single-row INSERT commits/s, PGlite, one connection' },
    steps,
  });
  await ctx.fleet.close();
  await ctx.ledger.stop();
  // The store is inside the stopped process's data directory: open it now and read the events.
  const db = await PGlite.create(join(dataDir, 'pglite'));
  try {
    const query: QueryRows = async (sql, params) =>
      (await db.query<Record<string, unknown>>(sql, params)).rows;
    for (const step of steps) step.outcome = await outcomeOf(query, ctx.run, step);
  } finally {
    await db.close();
  }
}

function mosquittoVersion(): string {
  const out = spawnSync('mosquitto', ['-h'], { encoding: 'utf8' });
  return /version (\S+)/.exec(`${out.stdout}${out.stderr}`)?.[1] ?? '?';
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  let o: BenchOptions | 'help';
  try {
    o = parseOptions(process.argv.slice(2));
  } catch (e) {
    console.error(`${e instanceof Error ? e.message : String(e)}\n\n${HELP}`);
    process.exitCode = 2;
    return;
  }
  if (o === 'help') {
    console.log(HELP);
    return;
  }
  teardownOnSignals();
  const started = Date.now();
  const loadAtStart = os.loadavg();
  console.log(`Ratchet lifecycle benchmark\n${machine()}\n${await idleCheck()}`);
  console.log(
    `fleet: ${o.devices} simulated devices answering at once (ack, then executed); load: open loop, ` +
      `POST /commands over ${o.httpConnections} keep-alive connections; ${o.stepSeconds} s per rate, ` +
      `then up to ${o.drainSeconds} s to finish`,
  );
  try {
    // Each set-up is torn down before the next starts, so that it runs on a quiet machine.
    if (o.modes.includes('postgres')) await postgresMode(o).finally(teardown);
    if (o.modes.includes('embedded')) await embeddedMode(o).finally(teardown);
  } finally {
    await teardown();
  }
  for (const r of results) if (r.steps.length > 0) printMode(r);
  if (results.some((r) => r.steps.length > 0))
    console.log(
      '\nLatency = from the instant the generator was due to send the POST to the start of the ' +
        'append that recorded CommandExecuted (events.recorded_at; same machine clock). done/s and ' +
        "transitions/s = the step's executed commands and appended events over the time from its " +
        'first due instant to its last CommandExecuted. "not done": issued commands not executed ' +
        '(no terminal event, or another one) once the step had drained.',
    );
  console.log(
    `\nFigures for the README (${new Date().toISOString().slice(0, 10)}, ${os.availableParallelism()} cores, Node ${process.version}, one ledger instance):`,
  );
  for (const line of figures(results, soakVerdict, o)) console.log(`  ${line}`);
  const loadAtEnd = os.loadavg();
  console.log(
    `\nIssue 16's goals (one ledger instance, ${os.availableParallelism()} cores; load average ` +
      `at start ${loadAtStart.map(n2).join(' ')}, at end ${loadAtEnd.map(n2).join(' ')})\n` +
      table(
        ['figure', 'today', 'goal', ''],
        goalRows(results, soakFigures, o.soakMinutes > 0).map((g) => [
          g.what,
          g.today,
          g.goal,
          verdict(g.met),
        ]),
        true,
      ),
  );
  // The benchmark's own processes raise the load average by the end; what counts is the load
  // before it started and the CPU other processes took while the steps ran.
  const othersMax = Math.max(0, ...results.flatMap((r) => r.steps.map((s) => s.others.total)));
  if (loadAtStart[0]! > 0.5 * os.availableParallelism() || othersMax >= 15)
    console.log(
      `  ← other work was running (load average at start ${n2(loadAtStart[0]!)}; other processes ` +
        `took up to ${n0(othersMax)} % of a core during a step): rates and latencies are lower ` +
        'than on an idle machine; transactions per command and CPU per command hold better.',
    );
  else
    console.log(
      `  the machine was quiet: load average at start ${n2(loadAtStart[0]!)}, other processes ` +
        `took at most ${n0(othersMax)} % of a core during a step.`,
    );
  console.log(`\n(${n0((Date.now() - started) / 1000)} s in all)`);
}

main().catch(async (error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  await teardown();
  process.exitCode = 1;
});
