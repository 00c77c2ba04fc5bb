import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import {
  AddGroupMembers,
  CancelFleetCommand,
  FleetError,
  type FleetView,
  GetCommandQuery,
  GetFleetCommandQuery,
  IssueFleetCommand,
  ListCommandsQuery,
  ListFleetCommandsQuery,
  PauseFleetCommand,
  RecordPresence,
  ResumeFleetCommand,
  type CommandView,
  type IssueFleetOutcome,
} from '@ratchet/ledger';
import { fleetChildId } from '@ratchet/lifecycle';
import { isClean, rebuildProjection, verifyLedger } from '@ratchet/read-models';
import { type LedgerCluster, eventually, startPgliteLedger } from './ledger-instances.js';

const code = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e: unknown) => (e instanceof FleetError ? e.code : String(e)),
  );

describe('fleet commands on the embedded default (PGlite)', () => {
  let cluster: LedgerCluster;
  const failing = new Set<string>();
  beforeAll(async () => {
    cluster = await startPgliteLedger({
      fleets: { tickMs: 20 },
      device: (s) =>
        s.deviceId.startsWith('hold-') ? 'hold' : failing.has(s.deviceId) ? 'failed' : 'executed',
    });
  });
  afterAll(() => cluster?.close());
  const bus = () => cluster.instances[0]!.bus;
  const queries = () => cluster.instances[0]!.queries;
  const fleet = (id: string): Promise<FleetView> => queries().execute(new GetFleetCommandQuery(id));

  it('sends one child per device, each an ordinary command that knows its fleet, and completes', async () => {
    const deviceIds = ['f-1', 'f-2', 'f-3', 'f-4', 'f-5'];
    const body = { target: { deviceIds }, name: 'reboot', rollout: { maxInFlight: 2 } };
    const issued: IssueFleetOutcome = await bus().execute(new IssueFleetCommand(body));
    expect(issued.created).toBe(true);
    const id = issued.fleet.fleetCommandId;
    expect(issued.fleet).toMatchObject({ status: 'rolling_out', targets: 5, name: 'reboot' });
    const again: IssueFleetOutcome = await bus().execute(
      new IssueFleetCommand({ ...body, fleetCommandId: id, delivery: 'when_online' }),
    );
    expect(again.created).toBe(false);
    expect(
      await code(
        bus().execute(new IssueFleetCommand({ ...body, fleetCommandId: id, name: 'other' })),
      ),
    ).toBe('id_conflict');
    const done = await eventually(async () => {
      const f = await fleet(id);
      expect(f.status).toBe('completed');
      expect(f.counts).toMatchObject({ executed: 5, not_created: 0, requested: 0 });
      return f;
    });
    expect(done.completedAt).not.toBeNull();
    const child: CommandView = await queries().execute(
      new GetCommandQuery(fleetChildId(id, 'f-3')),
    );
    expect(child).toMatchObject({
      deviceId: 'f-3',
      fleetCommandId: id,
      status: 'executed',
      name: 'reboot',
    });
    // GET /commands?fleetCommandId=: the fleet's children.
    await eventually(async () => {
      const page = await queries().execute(
        new ListCommandsQuery({ fleetCommandId: id.toUpperCase() }),
      );
      expect(page.items.map((c: CommandView) => c.deviceId).sort()).toEqual(deviceIds);
    });
    const none = await queries().execute(new ListCommandsQuery({ fleetCommandId: randomUUID() }));
    expect(none.items).toEqual([]);
    // 409 with the fleet as it is, for what its status does not allow.
    expect(await code(bus().execute(new PauseFleetCommand(id)))).toBe('not_pausable');
    expect(await code(bus().execute(new CancelFleetCommand(id)))).toBe('not_cancellable');
    expect(await code(bus().execute(new ResumeFleetCommand(id)))).toBe('not_resumable');
    expect(await code(bus().execute(new PauseFleetCommand(randomUUID())))).toBe('not_found');
    expect(await code(bus().execute(new PauseFleetCommand('nope')))).toBe('invalid_request');
    await eventually(async () => {
      const list = await queries().execute(new ListFleetCommandsQuery({ status: 'completed' }));
      expect(list.items.map((f: FleetView) => f.fleetCommandId)).toContain(id);
    });
  });

  it("gives every child the fleet command's issuer (metadata.issuedBy), not the system's", async () => {
    const issued: IssueFleetOutcome = await bus().execute(
      new IssueFleetCommand(
        { target: { deviceIds: ['who-1', 'who-2'] }, name: 'unlock' },
        { issuedBy: 'facilities' },
      ),
    );
    const id = issued.fleet.fleetCommandId;
    const requestedBy = async (deviceId: string) => {
      const [first] = await cluster.eventStore.readStream(`command-${fleetChildId(id, deviceId)}`);
      return first ? [first.type, first.metadata?.issuedBy] : undefined;
    };
    await eventually(async () => {
      expect(await requestedBy('who-1')).toEqual(['CommandRequested', 'facilities']);
      expect(await requestedBy('who-2')).toEqual(['CommandRequested', 'facilities']);
    });
    const [fleetRequested] = await cluster.eventStore.readStream(`fleet-${id}`);
    expect(fleetRequested?.metadata?.issuedBy).toBe('facilities');
  });

  it('refuses bad bodies (400) and too many devices (413)', async () => {
    const many = Array.from({ length: 10_001 }, (_, i) => `d${i}`);
    expect(
      await code(bus().execute(new IssueFleetCommand({ target: { deviceIds: many }, name: 'x' }))),
    ).toBe('too_large');
    expect(
      await code(
        bus().execute(new IssueFleetCommand({ target: { deviceIds: ['a', 'a'] }, name: 'x' })),
      ),
    ).toBe('invalid_request');
    expect(
      await code(bus().execute(new IssueFleetCommand({ target: { group: 'no-such' }, name: 'x' }))),
    ).toBe('invalid_request');
    expect(
      await code(
        bus().execute(new IssueFleetCommand({ target: { deviceIds: ['a'] }, name: 'x', extra: 1 })),
      ),
    ).toBe('invalid_request');
    expect(
      await code(
        bus().execute(
          new IssueFleetCommand({
            target: { deviceIds: ['a'] },
            name: 'x',
            rollout: { perMinute: 0 },
          }),
        ),
      ),
    ).toBe('invalid_request');
  });

  it('pauses, resumes and cancels; a cancelled fleet cancels its waiting children (fleet_cancelled)', async () => {
    const deviceIds = ['hold-1', 'hold-2', 'hold-3', 'p-4'];
    const issued: IssueFleetOutcome = await bus().execute(
      new IssueFleetCommand({ target: { deviceIds }, name: 'update', rollout: { perMinute: 60 } }),
    );
    const id = issued.fleet.fleetCommandId;
    const paused: FleetView = await bus().execute(new PauseFleetCommand(id));
    expect(paused.status).toBe('paused');
    expect((await bus().execute(new PauseFleetCommand(id))).status).toBe('paused'); // a repeat: 200
    expect(await code(bus().execute(new PauseFleetCommand(id)))).toBe('ok');
    expect((await bus().execute(new ResumeFleetCommand(id))).status).toBe('rolling_out');
    await eventually(async () =>
      expect((await fleet(id)).counts.requested).toBeGreaterThanOrEqual(1),
    );
    const cancelled: FleetView = await bus().execute(new CancelFleetCommand(id));
    expect(cancelled.status).toBe('cancelled');
    const child = fleetChildId(id, 'hold-1');
    await eventually(async () => {
      const c: CommandView = await queries().execute(new GetCommandQuery(child));
      expect(c.status).toBe('cancelled');
    });
    const history = await cluster.eventStore.readStream(`command-${child}`);
    expect(history.at(-1)?.data).toMatchObject({ reason: 'fleet_cancelled' });
    // perMinute 60: one child a second; cancelled before the last ones were created.
    const f = await eventually(async () => {
      const v = await fleet(id);
      expect(v.counts.requested).toBe(0);
      return v;
    });
    expect(f.counts.not_created).toBeGreaterThan(0);
  });

  it('aborts once the failure ratio crosses the threshold, and cancels waiting children (fleet_aborted)', async () => {
    const deviceIds = ['a-1', 'a-2', 'a-3', 'hold-a4', 'hold-a5', 'a-6'];
    for (const d of ['a-1', 'a-2', 'a-3']) failing.add(d);
    const issued: IssueFleetOutcome = await bus().execute(
      new IssueFleetCommand({
        target: { deviceIds },
        name: 'risky',
        abort: { afterCompleted: 2, maxFailureRatio: 0.5 },
      }),
    );
    const id = issued.fleet.fleetCommandId;
    const f = await eventually(async () => {
      const v = await fleet(id);
      expect(v.status).toBe('aborted');
      expect(v.counts.requested).toBe(0);
      return v;
    });
    expect(f.counts.cancelled).toBeGreaterThanOrEqual(2);
    const events = await cluster.eventStore.readStream(`fleet-${id}`);
    expect(events.filter((e) => e.type === 'FleetCommandAborted')).toHaveLength(1);
    const held = await cluster.eventStore.readStream(`command-${fleetChildId(id, 'hold-a4')}`);
    expect(held.at(-1)?.data).toMatchObject({ reason: 'fleet_aborted' });
  });

  it('rolls out to a group (snapshot), and a continuous fleet picks up members added later', async () => {
    await bus().execute(new AddGroupMembers('fleet-g', ['g-1', 'g-2', 'g-3']));
    const snap: IssueFleetOutcome = await bus().execute(
      new IssueFleetCommand({ target: { group: 'fleet-g' }, name: 'snap' }),
    );
    const cont: IssueFleetOutcome = await bus().execute(
      new IssueFleetCommand({ target: { group: 'fleet-g', continuous: true }, name: 'cont' }),
    );
    expect(snap.fleet.targets).toBe(3);
    await eventually(async () =>
      expect((await fleet(snap.fleet.fleetCommandId)).status).toBe('completed'),
    );
    await bus().execute(new AddGroupMembers('fleet-g', ['g-4', 'g-5']));
    await eventually(async () => {
      const c = await fleet(cont.fleet.fleetCommandId);
      expect(c.status).toBe('rolling_out');
      expect(c.counts.executed).toBe(5);
    });
    expect((await fleet(snap.fleet.fleetCommandId)).counts.executed).toBe(3);
  });

  it('fleet_progress is checked by verify against a fresh fold, and rebuilt from the log', async () => {
    const { driver, eventStore } = cluster;
    const rows = () =>
      driver.query<{ fleet_command_id: string; status: string; counts: unknown; tally: unknown }>(
        {
          name: 'test_fp_rows',
          text: 'SELECT fleet_command_id, status, created, counts, tally FROM fleet_progress ORDER BY 1',
        },
        [],
      );
    await eventually(async () => {
      const report = await verifyLedger({ driver, eventStore });
      expect(report.fleetProgress.fleets).toBeGreaterThanOrEqual(5);
      expect(report.fleetProgress.mismatches).toEqual([]);
    });
    const before = await rows();
    // A row that lies is found...
    await driver.exec(`UPDATE fleet_progress SET created = created + 1
                        WHERE fleet_command_id = (SELECT min(fleet_command_id) FROM fleet_progress)`);
    const report = await verifyLedger({ driver, eventStore });
    expect(report.fleetProgress.mismatches.map((m) => m.kind)).toEqual(['row_differs']);
    expect(isClean(report)).toBe(false);
    // ...and a rebuild from the log puts it right, with every other row as it was.
    const rebuilt = await rebuildProjection({ name: 'fleet_progress', driver, eventStore });
    expect(rebuilt.rows).toBeGreaterThan(0);
    expect(await rows()).toEqual(before);
    expect((await verifyLedger({ driver, eventStore })).fleetProgress.mismatches).toEqual([]);
  });

  it('a fleet to offline devices: its children wait (device_offline) and complete once they come online', async () => {
    for (const d of ['off-1', 'off-2']) {
      await bus().execute(new RecordPresence(d, { kind: 'came_online', epoch: 1 }));
      await bus().execute(new RecordPresence(d, { kind: 'went_offline', epoch: 1 }));
    }
    const issued: IssueFleetOutcome = await bus().execute(
      new IssueFleetCommand({ target: { deviceIds: ['off-1', 'off-2'] }, name: 'update' }),
    );
    const id = issued.fleet.fleetCommandId;
    const child = fleetChildId(id, 'off-1');
    const waiting = await eventually(async () => {
      const c: CommandView = await queries().execute(new GetCommandQuery(child));
      expect(c.status).toBe('requested');
      expect((c as unknown as { waiting: unknown }).waiting).toEqual({ reason: 'device_offline' });
      return c;
    });
    expect(waiting.fleetCommandId).toBe(id);
    expect((await fleet(id)).status).toBe('rolling_out');
    for (const d of ['off-1', 'off-2']) {
      await bus().execute(new RecordPresence(d, { kind: 'came_online', epoch: 2 }));
    }
    await eventually(async () => {
      const f = await fleet(id);
      expect(f.status).toBe('completed');
      expect(f.counts.executed).toBe(2);
    }, 20_000);
  });
});
