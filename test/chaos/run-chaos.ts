/**
 * One chaos run: its own PostgreSQL, Mosquitto and ledger instances, an adversarial fleet,
 * HTTP load against every instance while faults are injected; then, once the load has stopped
 * and every deadline has passed, the checks. Every random choice comes from the seed.
 */
import { createPostgresEventStore, type EventStore } from '@ratchet/event-store';
import { startFleet, type Fleet } from '@ratchet/device-sim';
import { FLEET_BEHAVIOUR, FLEET_RECONNECT_EVERY_MS, type ChaosOptions } from './chaos-options.js';
import { checkLedger } from './check/check-ledger.js';
import { LogFollower } from './check/log-reader.js';
import { settle } from './check/quiescence.js';
import { cleanUp, register } from './env/cleanup.js';
import { startEnvironment, type Environment } from './env/environment.js';
import { sleep } from './env/free-port.js';
import { sweepAbandonedRuns } from './env/run-dir.js';
import { FaultInjector } from './faults/fault-injector.js';
import { planFaults } from './faults/fault-plan.js';
import { answersByStatus } from './load/http-client.js';
import { DeviceEvidence } from './load/device-evidence.js';
import { LoadGenerator } from './load/load-generator.js';
import { MetricsTracker } from './metrics/metrics-tracker.js';
import { prng, streamSeed } from './random/prng.js';
import type { ChaosReport } from './report/chaos-report.js';
import { saveLogs } from './report/save-logs.js';

/** Nothing appended for this long (more than twice the fleet's longest delay) is quiet. */
const QUIET_MS = 2 * (FLEET_BEHAVIOUR.delayMaxMs ?? 0) + 1_000;
const SETTLE_BOUND_MS = 60_000;

export async function runChaos(o: ChaosOptions): Promise<ChaosReport> {
  let env: Environment | undefined;
  try {
    await sweepAbandonedRuns(o.say);
    env = await startEnvironment(o);
    const report = await exercise(env, o);
    if (report.ok) return report;
    return { ...report, logsDir: await saveLogs(env.logFiles, o.seed, o.say).catch(() => null) };
  } catch (e) {
    if (env) await saveLogs(env.logFiles, o.seed, o.say).catch(() => null);
    throw e;
  } finally {
    await cleanUp();
  }
}

async function exercise(env: Environment, o: ChaosOptions): Promise<ChaosReport> {
  const say = o.say;
  const deviceIds = Array.from({ length: o.devices }, (_, i) => `chaos-dev-${i + 1}`);
  const evidence = new DeviceEvidence();
  const fleet: Fleet = await startFleet({
    url: env.broker.url,
    deviceIds,
    devicesPerConnection: 5,
    seed: streamSeed(o.seed, 'fleet'),
    behaviour: FLEET_BEHAVIOUR,
    reconnectEveryMs: FLEET_RECONNECT_EVERY_MS,
    onEvent: evidence.listener,
  });
  register({ name: 'device fleet', stop: () => fleet.close(), stopSync: () => undefined });

  const durationMs = Math.round(o.minutes * 60_000);
  const metrics = new MetricsTracker(env.instances);
  const plan = planFaults(prng(streamSeed(o.seed, 'faults')), {
    durationMs,
    instances: o.instances,
    killEveryMs: [4_000, 9_000],
    cycleMs: o.cycleSeconds * 1000,
    pause: o.pause,
  });
  const faults = new FaultInjector(plan, env.instances, env.broker, env.database, metrics, say);
  const load = new LoadGenerator(prng(streamSeed(o.seed, 'load')), {
    urls: env.instances.map((i) => i.url),
    instances: o.instances,
    deviceIds,
    ratePerSecond: o.rate,
    maxInFlight: 400,
  });

  say(`chaos: load for ${o.minutes} min at ${o.rate} operations/s, ${plan.length} faults planned`);
  const loadStartedAt = Date.now();
  metrics.start();
  faults.start();
  load.start();
  const progress = setInterval(() => {
    const r = load.record;
    const up = env.instances.map((i) => `${i.instanceId}:${i.state}`).join(' ');
    say(
      `chaos: +${Math.round((Date.now() - loadStartedAt) / 1000)}s ${r.commands.size} issued, ${r.accepted.length} accepted; ${up}`,
    );
  }, 10_000);
  await sleep(durationMs);
  clearInterval(progress);
  say('chaos: load stopping; bringing every process back');
  await load.stop();
  await faults.stop();
  await faults.ensureAllUp();
  const loadSeconds = (Date.now() - loadStartedAt) / 1000;

  // The instances keep Ratchet's tables in DATABASE_SCHEMA's default, `ratchet` (CONTRACT.md
  // version 2); the checker's connections work there too.
  const checkUrl = `${env.database.url}${env.database.url.includes('?') ? '&' : '?'}options=${encodeURIComponent('-c search_path=ratchet')}`;
  const store: EventStore = await createPostgresEventStore({
    connectionString: checkUrl,
    migrate: false,
  });
  register({ name: 'checker store', stop: () => store.close(), stopSync: () => undefined });
  const follower = new LogFollower(store);
  const settleOptions = { databaseUrl: checkUrl, say };
  const settled = await settle(follower, {
    ...settleOptions,
    quietMs: QUIET_MS,
    boundMs: SETTLE_BOUND_MS,
  });
  // The fleet goes quiet too (no more reconnects and replays); then one more short settle.
  const fleetStats = fleet.stats().total;
  await fleet.close();
  const fleetClosedAt = Date.now();
  const final = await settle(follower, { ...settleOptions, quietMs: 2_000, boundMs: 15_000 });
  await Promise.all(env.instances.map((i) => metrics.scrape(i, 2_000)));
  metrics.stop();
  say(`chaos: settled in ${((settled.waitedMs + final.waitedMs) / 1000).toFixed(1)} s; checking`);

  const { violations, figures } = await checkLedger(store, checkUrl, follower, load.record, {
    byCommand: evidence.answers,
    fleetClosedAt,
    brokerGaps: faults.brokerGaps,
  });
  for (const i of env.instances)
    for (const x of i.unexpectedExits)
      violations.push({
        kind: 'instance_crashed',
        detail: `${x.instanceId} incarnation ${x.incarnation} exited by itself: code ${x.code}, signal ${x.signal}`,
      });
  const http500 = answersByStatus.get(500) ?? 0;
  if (http500 > 0)
    violations.push({
      kind: 'http_500',
      detail: `${http500} answers were HTTP 500: an unavailable store or broker is a 503 with Retry-After (see the instances' logs)`,
    });
  const byKind: Record<string, number> = {};
  for (const v of violations) byKind[v.kind] = (byKind[v.kind] ?? 0) + 1;
  const faultCounts: Record<string, number> = Object.fromEntries(faults.done);
  faultCounts['failed starts'] = faults.startFailures;
  return {
    ok: violations.length === 0 && figures.client.lost === 0,
    seed: o.seed,
    minutes: o.minutes,
    instances: o.instances,
    rate: o.rate,
    loadSeconds,
    settleSeconds: (settled.waitedMs + final.waitedMs) / 1000,
    settled: settled.settled && final.settled,
    figures,
    faults: faultCounts,
    counters: metrics.totals(),
    fleet: {
      intents: fleetStats.intentsReceived,
      duplicatesSent: fleetStats.duplicateAcksSent + fleetStats.duplicateResultsSent,
      spoofsSent: fleetStats.spoofsSent,
      replaysSent: fleetStats.replaysSent,
    },
    httpErrors: Object.fromEntries(load.record.httpErrors),
    answersByStatus: Object.fromEntries([...answersByStatus].sort(([a], [b]) => a - b)),
    violations: violations.length,
    violationsByKind: byKind,
    firstViolations: violations.slice(0, 50),
    lost: figures.client.lost,
    logsDir: null,
  };
}
