/**
 * Pause, resume and cancel racing the rollout, on two instances of one PostgreSQL: fast-check
 * draws the controls (which, on which instance, when); whatever the interleaving, every answer
 * is the fleet's state or a 409 with it, the fleet stream folds (a terminal fleet is never
 * left), no child is created after the cancel or abort committed, maxInFlight holds at every
 * event of the log, and a fleet that was not cancelled or aborted completes.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  CancelFleetCommand,
  FleetError,
  type FleetView,
  GetFleetCommandQuery,
  IssueFleetCommand,
  PauseFleetCommand,
  ResumeFleetCommand,
} from '@ratchet/ledger';
import { type FleetEvent, foldFleet, isFleetTerminal } from '@ratchet/lifecycle';
import {
  type LedgerCluster,
  eventually,
  postgresAvailable,
  readWholeLog,
  startPostgresLedgers,
} from './ledger-instances.js';

const pg = await postgresAvailable();
(pg ? describe : describe.skip)(
  'fleet controls racing the rollout (two instances, PostgreSQL)',
  () => {
    let cluster: LedgerCluster;
    beforeAll(async () => {
      cluster = await startPostgresLedgers(2, {
        fleets: { tickMs: 15, maxBatch: 2 },
        device: (s) => (Number(s.deviceId.split('-').at(-1)) % 5 === 0 ? 'failed' : 'executed'),
        deviceDelayMs: () => Math.random() * 40,
      });
    });
    afterAll(() => cluster?.close());

    it('any interleaving of pause, resume and cancel keeps the fleet rules (fast-check)', async () => {
      let run = 0;
      const control = fc.record({
        kind: fc.constantFrom('pause' as const, 'resume' as const, 'cancel' as const),
        instance: fc.nat(1),
        delayMs: fc.nat(400),
      });
      await fc.assert(
        fc.asyncProperty(
          fc.array(control, { minLength: 1, maxLength: 6 }),
          fc.boolean(),
          async (controls, withAbort) => {
            run += 1;
            const deviceIds = Array.from({ length: 16 }, (_, i) => `ctl${run}-${i + 1}`);
            const [a] = cluster.instances;
            const issued = await a!.bus.execute(
              new IssueFleetCommand({
                target: { deviceIds },
                name: 'race',
                rollout: { maxInFlight: 3 },
                ...(withAbort ? { abort: { afterCompleted: 4, maxFailureRatio: 0.1 } } : {}),
              }),
            );
            const id = issued.fleet.fleetCommandId as string;
            const answers = await Promise.all(
              controls.map(async (c) => {
                await new Promise((r) => setTimeout(r, c.delayMs));
                const bus = cluster.instances[c.instance]!.bus;
                const cmd =
                  c.kind === 'pause'
                    ? new PauseFleetCommand(id)
                    : c.kind === 'resume'
                      ? new ResumeFleetCommand(id)
                      : new CancelFleetCommand(id);
                try {
                  const v: FleetView = await bus.execute(cmd);
                  return { ok: true as const, status: v.status };
                } catch (e) {
                  if (!(e instanceof FleetError)) throw e;
                  expect(['not_pausable', 'not_resumable', 'not_cancellable']).toContain(e.code);
                  expect(e.fleet).not.toBeNull();
                  return { ok: false as const, status: e.fleet!.status };
                }
              }),
            );
            // A pause that was the last word: resume, so the rollout can end.
            await a!.bus.execute(new ResumeFleetCommand(id)).catch(() => undefined);
            const final = await eventually(async () => {
              const f: FleetView = await a!.queries.execute(new GetFleetCommandQuery(id));
              expect(isFleetTerminal(f.status)).toBe(true);
              expect(f.counts.requested + f.counts.sent + f.counts.acknowledged).toBe(0);
              return f;
            }, 30_000);
            const log = await readWholeLog(cluster);
            const fleetEvents = log.filter((e) => e.stream === `fleet-${id}`);
            const state = foldFleet(
              fleetEvents.map((e) => ({ type: e.type, data: e.data }) as FleetEvent),
            );
            expect(state?.status).toBe(final.status);
            if (answers.some((x) => x.ok && x.status === 'cancelled'))
              expect(final.status).toBe('cancelled');
            const end = fleetEvents.find(
              (e) => e.type === 'FleetCommandAborted' || e.type === 'FleetCommandCancelled',
            );
            let open = 0;
            let most = 0;
            const mine = new Set<string>();
            for (const e of log) {
              if (!e.stream.startsWith('command-')) continue;
              const d = e.data as { fleetCommandId?: string };
              if (e.type === 'CommandRequested' && d.fleetCommandId === id) {
                if (end) expect(e.position < end.position).toBe(true);
                mine.add(e.stream);
                most = Math.max(most, (open += 1));
              } else if (
                mine.has(e.stream) &&
                /Executed|Failed|TimedOut|Cancelled|Expired$/.test(e.type)
              ) {
                open -= 1;
              }
            }
            expect(most).toBeLessThanOrEqual(3);
            expect(mine.size).toBe(state!.created);
            if (final.status === 'completed') expect(mine.size).toBe(16);
          },
        ),
        { numRuns: 6 },
      );
    }, 240_000);
  },
);
