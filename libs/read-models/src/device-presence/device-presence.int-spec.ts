import { expect, it } from '@jest/globals';
import type { NewEvent } from '@ratchet/event-store';
import { deviceStreamOf, revisionEventId } from '@ratchet/lifecycle';
import { describeOnBothDatabases } from '../../test/read-model-fixture.js';

const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();

describeOnBothDatabases('device presence', (fixture) => {
  /** Appends device-stream events as the ledger does: each at the revision it follows. */
  const write = async (deviceId: string, events: Omit<NewEvent, 'id'>[]) => {
    const stream = deviceStreamOf(deviceId);
    const before = (await fixture().eventStore.readStream(stream)).length;
    await fixture().eventStore.append(
      stream,
      events.map((e, i) => ({ ...e, id: revisionEventId(stream, BigInt(before + i)) })),
      before === 0 ? 'no_stream' : BigInt(before - 1),
    );
  };
  const online = (epoch: number, s: number) => ({
    type: 'DeviceCameOnline',
    data: { epoch, at: at(s) },
  });
  const offline = (epoch: number, s: number) => ({
    type: 'DeviceWentOffline',
    data: { epoch, at: at(s) },
  });

  it('folds presence by the epoch rule; queue events change nothing; since moves only with the status', async () => {
    const d = 'presence-1';
    await write(d, [
      online(3, 1),
      { type: 'CommandQueued', data: { commandId: 'c', key: 'k', at: at(2) } },
    ]);
    await write(d, [online(4, 3)]); // a new session of a device still online: since stays
    const store = await fixture().open({ batchSize: 1 });
    await store.catchUp();
    expect(await store.getDevicePresence(d)).toEqual({ status: 'online', epoch: 4, since: at(1) });
    await write(d, [offline(4, 9)]);
    await store.catchUp();
    expect(await store.getDevicePresence(d)).toEqual({ status: 'offline', epoch: 4, since: at(9) });
  });

  it('knows nothing of a device that never reported (unknown), even with queue events only', async () => {
    await write('presence-2', [
      { type: 'CommandQueued', data: { commandId: 'c', key: null, at: at(1) } },
    ]);
    const store = await fixture().open();
    await store.catchUp();
    expect(await store.getDevicePresence('presence-2')).toBeNull();
    expect(await store.getDevicePresence('presence-never')).toBeNull();
  });

  it('is the same however the log is cut into batches (a second runner takes turns)', async () => {
    const d = 'presence-3';
    await write(d, [online(1, 1), offline(1, 2), online(2, 3), offline(2, 4), online(7, 5)]);
    const [a, b] = [await fixture().open({ batchSize: 2 }), await fixture().open({ batchSize: 3 })];
    await a.catchUp();
    await b.catchUp();
    expect(await b.getDevicePresence(d)).toEqual({ status: 'online', epoch: 7, since: at(5) });
  });
});
