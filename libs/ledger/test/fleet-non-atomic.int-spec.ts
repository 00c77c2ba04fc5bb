/**
 * A store without atomic multi-stream appends (as EventStoreDB before KurrentDB 25.1), played by
 * PGlite behind a wrapper whose appendMany refuses several streams the way the EventStoreDB
 * adapter does: the rollout writes each mark first and its children after it. A crash between
 * the two (the first child's append fails once) loses no child: the next step re-creates the
 * last mark's children, and the fleet completes with one child per device.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { EventStore } from '@ratchet/event-store';
import { type FleetView, GetFleetCommandQuery, IssueFleetCommand } from '@ratchet/ledger';
import { fleetChildId } from '@ratchet/lifecycle';
import { type LedgerCluster, eventually, startPgliteLedger } from './ledger-instances.js';

const unsupported = () =>
  Object.assign(new Error('appendMany: several streams need a multi-stream append'), {
    name: 'UnsupportedOperationError',
  });

describe('fleet rollout on a store without multi-stream appends (PGlite behind a wrapper)', () => {
  let cluster: LedgerCluster;
  let crashes = 1;
  beforeAll(async () => {
    cluster = await startPgliteLedger({
      fleets: { tickMs: 20 },
      sweep: { intervalMs: 50, redispatchAfterMs: 200 },
      device: () => 'executed',
      wrapStore: (inner: EventStore): EventStore =>
        new Proxy(inner, {
          get: (target, prop, receiver) => {
            if (prop === 'appendMany') {
              return (appends: Parameters<EventStore['appendMany']>[0]) =>
                appends.length > 1 ? Promise.reject(unsupported()) : target.appendMany(appends);
            }
            if (prop === 'append') {
              return (...args: Parameters<EventStore['append']>) => {
                // The process "dies" after its first mark, before its first child.
                if (args[0].startsWith('command-') && crashes > 0) {
                  crashes -= 1;
                  return Promise.reject(new Error('simulated crash between mark and children'));
                }
                return target.append(...args);
              };
            }
            // Bound to the store itself: its methods use private fields.
            const value: unknown = Reflect.get(target, prop, receiver);
            return typeof value === 'function' ? value.bind(target) : value;
          },
        }),
    });
  });
  afterAll(() => cluster?.close());

  it('writes the mark first, repairs its children after a crash, and completes', async () => {
    const deviceIds = ['na-1', 'na-2', 'na-3', 'na-4'];
    const issued = await cluster.instances[0]!.bus.execute(
      new IssueFleetCommand({ target: { deviceIds }, name: 'reboot' }),
    );
    const id = issued.fleet.fleetCommandId as string;
    const done = await eventually(async () => {
      const f: FleetView = await cluster.instances[0]!.queries.execute(
        new GetFleetCommandQuery(id),
      );
      expect(f.status).toBe('completed');
      return f;
    }, 30_000);
    expect(done.counts).toMatchObject({ executed: 4, not_created: 0 });
    expect(crashes).toBe(0);
    const marks = (await cluster.eventStore.readStream(`fleet-${id}`)).filter(
      (e) => e.type === 'FleetChildrenCreated',
    );
    expect(marks.map((m) => m.data.count)).toEqual([4]);
    for (const d of deviceIds) {
      const child = await cluster.eventStore.readStream(`command-${fleetChildId(id, d)}`);
      expect(child[0]?.type).toBe('CommandRequested');
      expect(child.filter((e) => e.type === 'CommandRequested')).toHaveLength(1);
    }
  });
});
