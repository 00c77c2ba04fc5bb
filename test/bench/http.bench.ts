/**
 * What the HTTP path costs per request: `npm run bench:http`.
 *
 * The built ledger runs on PostgreSQL and a private Mosquitto (as `npm run bench` runs it, no
 * devices), beside a bare `node:http` server in a process of its own that parses the same JSON
 * body and answers with a body of the same size: the raw limit of this machine's HTTP, measured
 * in the same run. A closed-loop client (this process) sends N requests over C keep-alive
 * connections to each target; the server's CPU per request comes from /proc, so the client's
 * own work is not in it. The differences are the figures:
 *
 *   bare node:http POST                       the floor: sockets, HTTP parsing, JSON in and out
 *   ledger GET /health/live                   + Nest and Express: router, guards, filters, the reply
 *   ledger POST /commands, invalid (400)      + body parser, the issue validation (class-validator),
 *                                               the error filter: everything before the store
 *   ledger POST /commands, valid (201)        + issuing: the append, the answer, and the dispatch
 *                                               that follows it (intent published, CommandSent)
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import { randomBytes, randomUUID } from 'node:crypto';
import os from 'node:os';
import { n0, n1, table } from './lifecycle/format.js';
import { cpuSeconds } from './lifecycle/proc.js';
import { createDatabase, spawnLedger, startMosquitto, tempDir } from './lifecycle/services.js';
import { percentile } from './lifecycle/stats.js';
import { onTeardown, teardown, teardownOnSignals } from './lifecycle/teardown.js';

const REQUESTS = Number(process.env.BENCH_HTTP_REQUESTS ?? 20_000);
const CONNECTIONS = 32;

/** The bare server: a script of its own (node:http only), its port on stdout. */
const BARE_SERVER = `
const http = require('node:http');
const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    let body;
    try { body = JSON.parse(Buffer.concat(chunks).toString('utf8')); } catch { res.writeHead(400); res.end(); return; }
    const out = JSON.stringify({ ...body, status: 'requested', revision: '0', attempt: 1,
      requestedAt: new Date().toISOString(), sentAt: null, acknowledgedAt: null, completedAt: null,
      result: null, error: null, issuedBy: 'bench', correlationId: '${randomUUID()}',
      delivery: 'when_online', queue: null, waiting: null, fleetCommandId: null });
    res.writeHead(201, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(out) });
    res.end(out);
  });
});
server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'));
`;

async function startBare(): Promise<{ url: string; pid: number }> {
  const child = spawn(process.execPath, ['-e', BARE_SERVER], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  onTeardown(`stop the bare server (pid ${child.pid})`, async () => {
    child.kill();
  });
  const port = await new Promise<string>((resolve, reject) => {
    child.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim()));
    child.once('exit', (code) => reject(new Error(`the bare server exited with ${code}`)));
  });
  return { url: `http://127.0.0.1:${port}`, pid: child.pid! };
}

interface Target {
  readonly what: string;
  readonly pid: number;
  readonly url: string;
  readonly method: 'GET' | 'POST';
  readonly body: (i: number) => string | null;
  readonly expect: number;
}

interface Result {
  readonly what: string;
  readonly perSecond: number;
  readonly cpuMicros: number;
  readonly p50: number;
  readonly p99: number;
  readonly unexpected: number;
}

async function drive(t: Target, count: number): Promise<Result> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const latencies: number[] = [];
  let unexpected = 0;
  let next = 0;
  const one = (i: number): Promise<void> =>
    new Promise((resolve) => {
      const body = t.body(i);
      const started = performance.now();
      const req = http.request(
        t.url,
        {
          method: t.method,
          agent,
          headers: body
            ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }
            : {},
        },
        (res) => {
          res.resume();
          res.once('end', () => {
            latencies.push(performance.now() - started);
            if (res.statusCode !== t.expect) unexpected += 1;
            resolve();
          });
        },
      );
      req.once('error', () => {
        unexpected += 1;
        resolve();
      });
      req.end(body ?? undefined);
    });
  const worker = async (): Promise<void> => {
    while (next < count) await one(next++);
  };
  const cpu0 = cpuSeconds(t.pid) ?? Number.NaN;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CONNECTIONS }, worker));
  const seconds = (performance.now() - t0) / 1000;
  const cpu = (cpuSeconds(t.pid) ?? Number.NaN) - cpu0;
  agent.destroy();
  return {
    what: t.what,
    perSecond: count / seconds,
    cpuMicros: (cpu / count) * 1e6,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    unexpected,
  };
}

async function main(): Promise<void> {
  teardownOnSignals();
  console.log(
    `Ratchet HTTP path benchmark: ${os.availableParallelism()} cores, Node ${process.version}, ` +
      `load average at start ${os.loadavg()[0]!.toFixed(2)}; ${n0(REQUESTS)} requests per target ` +
      `over ${CONNECTIONS} keep-alive connections (closed loop)`,
  );
  const database = await createDatabase();
  const broker = await startMosquitto();
  const ledger = await spawnLedger({
    LEDGER_STORE: 'postgres',
    DATABASE_URL: database.url,
    MQTT_URL: broker.url,
    MQTT_SHARED_GROUP: `bench-${randomBytes(4).toString('hex')}`,
    LEDGER_DATA_DIR: await tempDir('data'),
  });
  const bare = await startBare();
  const run = randomBytes(4).toString('hex');
  const command = (i: number): string =>
    JSON.stringify({
      commandId: randomUUID(),
      deviceId: `http-bench-${run}-${i % 1000}`,
      name: 'set-speed',
      payload: { rpm: 1000 + (i % 1000) },
    });
  const targets: Target[] = [
    {
      what: 'bare node:http POST (the floor)',
      pid: bare.pid,
      url: `${bare.url}/commands`,
      method: 'POST',
      body: command,
      expect: 201,
    },
    {
      what: 'ledger GET /health/live',
      pid: ledger.pid,
      url: `${ledger.httpUrl}/health/live`,
      method: 'GET',
      body: () => null,
      expect: 200,
    },
    {
      what: 'ledger POST /commands, invalid (400)',
      pid: ledger.pid,
      url: `${ledger.httpUrl}/commands`,
      method: 'POST',
      body: (i) =>
        JSON.stringify({ commandId: randomUUID(), name: 'set-speed', payload: { rpm: i } }),
      expect: 400,
    },
    {
      what: 'ledger POST /commands, valid (201)',
      pid: ledger.pid,
      url: `${ledger.httpUrl}/commands`,
      method: 'POST',
      body: command,
      expect: 201,
    },
  ];
  // Warm-up of every target (JIT, pools, prepared statements), not measured.
  for (const t of targets) await drive(t, Math.min(2_000, REQUESTS));
  const results: Result[] = [];
  for (const t of targets) results.push(await drive(t, REQUESTS));
  const floor = results[0]!.cpuMicros;
  console.log(
    '\n' +
      table(
        [
          'target',
          'requests/s',
          'server CPU µs/request',
          '− the floor',
          'p50 ms',
          'p99 ms',
          'unexpected',
        ],
        results.map((r) => [
          r.what,
          n0(r.perSecond),
          n0(r.cpuMicros),
          r === results[0] ? '—' : n0(r.cpuMicros - floor),
          n1(r.p50),
          n1(r.p99),
          n0(r.unexpected),
        ]),
      ),
  );
  const [, live, invalid, valid] = results as [Result, Result, Result, Result];
  console.log(
    `\n  Nest + Express around a trivial handler: ${n0(live.cpuMicros - floor)} µs a request beyond the floor;` +
      `\n  body parser, validation and the error filter: ${n0(invalid.cpuMicros - live.cpuMicros)} µs more;` +
      `\n  issuing (append, answer, dispatch): ${n0(valid.cpuMicros - invalid.cpuMicros)} µs more.` +
      `\n  (server CPU from /proc, in ticks of ${n0(1e6 / 100)} µs over the whole run of each target)`,
  );
}

main()
  .catch((error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exitCode = 1;
  })
  .finally(() => teardown());
