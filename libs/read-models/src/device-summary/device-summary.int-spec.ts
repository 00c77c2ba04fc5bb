import { expect, it } from '@jest/globals';
import { CommandWriter, seconds } from '../../test/command-writer.js';
import { describeOnBothDatabases } from '../../test/read-model-fixture.js';

describeOnBothDatabases('device summary', (fixture) => {
  it('counts commands by status, names the last one, and knows when the device was last heard', async () => {
    const w = new CommandWriter(fixture().eventStore);
    const at = (s: number) => seconds(s).toISOString();
    const d = 'summary-1';

    const executed1 = await w.issue(d, seconds(1));
    await w.at(executed1, 'CommandSent', seconds(2));
    await w.at(executed1, 'CommandAcknowledged', seconds(3));
    await w.record(executed1, { type: 'CommandExecuted', data: { at: at(4) } });
    const executed2 = await w.issue(d, seconds(5));
    // Straight from requested to executed: evidence may skip a stage.
    await w.record(executed2, { type: 'CommandExecuted', data: { at: at(6) } });
    const failed = await w.issue(d, seconds(7));
    await w.record(failed, { type: 'CommandFailed', data: { at: at(8), error: 'jam' } });
    const timedOut = await w.issue(d, seconds(9));
    await w.at(timedOut, 'CommandSent', seconds(10));
    await w.record(timedOut, { type: 'CommandTimedOut', data: { at: at(20), stage: 'ack' } });
    // The device answers after all: a late result, the latest thing heard from it.
    await w.record(timedOut, {
      type: 'CommandLateResultObserved',
      data: { at: at(30), status: 'executed', error: null },
    });
    const cancelled = await w.issue(d, seconds(11));
    await w.record(cancelled, { type: 'CommandCancelled', data: { at: at(12), reason: null } });
    await w.issue(d, seconds(13));
    const acknowledged = await w.issue(d, seconds(14));
    await w.at(acknowledged, 'CommandAcknowledged', seconds(15));
    // Requested last, but no later input from the device than the late result.
    const last = await w.issue(d, seconds(16));
    await w.issue('summary-other', seconds(99));

    const store = await fixture().open({ batchSize: 4 });
    await store.catchUp();
    expect(await store.getDeviceSummary(d)).toEqual({
      deviceId: d,
      total: 8,
      byStatus: {
        requested: 2,
        sent: 0,
        acknowledged: 1,
        executed: 2,
        failed: 1,
        timed_out: 1,
        cancelled: 1,
        expired: 0,
      },
      lastCommand: { commandId: last, requestedAt: at(16) },
      lastSeenAt: at(30),
      successRate: 2 / 5,
    });
  });

  it('keeps the newest command when an older one is projected later, and has no rate before an end', async () => {
    const w = new CommandWriter(fixture().eventStore);
    const newest = await w.issue('summary-2', seconds(50));
    await w.issue('summary-2', seconds(40)); // a slow clock: requested earlier, written later
    const store = await fixture().open({ batchSize: 1 }); // one batch each: the SQL compares
    await store.catchUp();
    expect(await store.getDeviceSummary('summary-2')).toMatchObject({
      total: 2,
      lastCommand: { commandId: newest, requestedAt: seconds(50).toISOString() },
      lastSeenAt: null,
      successRate: null,
    });
  });

  it('knows nothing of a device that never had a command', async () => {
    const store = await fixture().open();
    await store.catchUp();
    expect(await store.getDeviceSummary('never-seen')).toBeNull();
  });
});
