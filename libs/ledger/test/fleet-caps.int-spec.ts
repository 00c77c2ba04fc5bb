/**
 * Two ledger instances on one PostgreSQL roll out the same fleets at once (each steps every
 * fleet every 20 ms, so they race on every revision). The caps are checked on the global log,
 * in commit order, at every event: that is every moment an observer could have sampled.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { RecordedEvent } from '@ratchet/event-store';
import { type FleetView, GetFleetCommandQuery, IssueFleetCommand } from '@ratchet/ledger';
import { burstOf, effectivePerMinute, isTerminal, type CommandStatus } from '@ratchet/lifecycle';
import {
  type LedgerCluster,
  eventually,
  postgresAvailable,
  readWholeLog,
  startPostgresLedgers,
} from './ledger-instances.js';

/** The most children of `fleet` open at once, replaying the log (retries keep a child open). */
const maxOpen = (log: RecordedEvent[], fleet: string, retryOn: string[], maxAttempts: number) => {
  const attemptOf = new Map<string, number>();
  let open = 0;
  let most = 0;
  for (const e of log) {
    if (!e.stream.startsWith('command-')) continue;
    const id = e.stream.slice('command-'.length);
    if (e.type === 'CommandRequested') {
      const d = e.data as { fleetCommandId?: string; attempt: number };
      if (d.fleetCommandId !== fleet) continue;
      attemptOf.set(id, d.attempt);
      if (d.attempt === 1) open += 1;
      most = Math.max(most, open);
      continue;
    }
    const attempt = attemptOf.get(id);
    if (attempt === undefined) continue;
    const status = e.type
      .replace(/^Command/, '')
      .replace(/([a-z])([A-Z])/g, '$1_$2')
      .toLowerCase();
    if (!isTerminal(status as CommandStatus)) continue;
    const retried = retryOn.includes(status) && attempt < maxAttempts;
    if (!retried) open -= 1;
  }
  return most;
};

const pg = await postgresAvailable();
(pg ? describe : describe.skip)('fleet caps across two instances (PostgreSQL)', () => {
  let cluster: LedgerCluster;
  const failedOnce = new Set<string>();
  beforeAll(async () => {
    cluster = await startPostgresLedgers(2, {
      fleets: { tickMs: 20, maxBatch: 3 },
      sweep: { intervalMs: 50 },
      // Every third device fails its first attempt (its retry then succeeds).
      device: (s) => {
        const n = Number(s.deviceId.split('-').at(-1));
        if (n % 3 === 0 && s.attempt === 1) {
          failedOnce.add(s.deviceId);
          return 'failed';
        }
        return 'executed';
      },
      deviceDelayMs: () => Math.random() * 60,
    });
  });
  afterAll(() => cluster?.close());

  it('never has more than maxInFlight children open, nor more children than perMinute allows, whoever steps', async () => {
    const [a, b] = cluster.instances;
    const inflight = Array.from({ length: 36 }, (_, i) => `cap-${i}`);
    const rated = Array.from({ length: 16 }, (_, i) => `rate-${i}`);
    const retry = { maxAttempts: 2, on: ['failed'] };
    const [capped, limited] = await Promise.all([
      a!.bus.execute(
        new IssueFleetCommand({
          target: { deviceIds: inflight },
          name: 'cap',
          retry,
          rollout: { maxInFlight: 4 },
        }),
      ),
      b!.bus.execute(
        new IssueFleetCommand({
          target: { deviceIds: rated },
          name: 'rate',
          rollout: { perMinute: 240 },
        }),
      ),
    ]);
    const cappedId = capped.fleet.fleetCommandId as string;
    const limitedId = limited.fleet.fleetCommandId as string;
    for (const id of [cappedId, limitedId]) {
      await eventually(async () => {
        const f: FleetView = await a!.queries.execute(new GetFleetCommandQuery(id));
        expect(f.status).toBe('completed');
      }, 60_000);
    }
    const log = await readWholeLog(cluster);

    // maxInFlight: at every point of the log, at most 4 children open; and the cap was reached.
    expect(maxOpen(log, cappedId, ['failed'], 2)).toBe(4);
    expect(failedOnce.size).toBeGreaterThan(0);
    const done: FleetView = await b!.queries.execute(new GetFleetCommandQuery(cappedId));
    expect(done.counts).toMatchObject({ executed: 36, not_created: 0 });

    // perMinute: n children within S ms never exceed burst + S·effective/60,000.
    const marks = log
      .filter((e) => e.stream === `fleet-${limitedId}` && e.type === 'FleetChildrenCreated')
      .map((e) => ({
        at: Date.parse(e.data.at as string),
        count: e.data.count as number,
        by: e.metadata.instanceId,
      }));
    const burst = burstOf(240);
    const rate = effectivePerMinute(240);
    for (let i = 0; i < marks.length; i += 1) {
      let n = 0;
      for (let j = i; j < marks.length; j += 1) {
        n += marks[j]!.count;
        expect(n).toBeLessThanOrEqual(
          burst + Math.floor(((marks[j]!.at - marks[i]!.at) * rate) / 60_000),
        );
      }
    }
    expect(marks.reduce((n, m) => n + m.count, 0)).toBe(16);
    // Each target got exactly one child (ids derive from fleet and device: a second is impossible).
    const children = new Set(
      log
        .filter(
          (e) =>
            e.type === 'CommandRequested' &&
            (e.data as { fleetCommandId?: string }).fleetCommandId === limitedId,
        )
        .map((e) => (e.data as { deviceId: string }).deviceId),
    );
    expect(children.size).toBe(16);
    const writers = new Set(
      log
        .filter((e) => e.stream.startsWith('fleet-') && e.type === 'FleetChildrenCreated')
        .map((e) => e.metadata.instanceId),
    );
    process.stdout.write(`marks written by ${[...writers].join(', ')}\n`);
  }, 90_000);
});
