import { expect, it } from '@jest/globals';
import type { ReadModelStore } from '../read-model-store.port.js';
import { CommandWriter, seconds } from '../../test/command-writer.js';
import { describeOnBothDatabases } from '../../test/read-model-fixture.js';
import { encodeListCursor } from './list-cursor.js';

describeOnBothDatabases('listing commands', (fixture) => {
  const ids = async (
    store: ReadModelStore,
    filter: Parameters<ReadModelStore['listCommands']>[0],
  ) => (await store.listCommands(filter)).items.map((c) => c.state.commandId);

  it('pages newest first, stable while commands are being added', async () => {
    const writer = new CommandWriter(fixture().eventStore);
    const store = await fixture().open();
    const existing: string[] = [];
    // Some share a request time: the command id breaks the tie.
    for (let i = 0; i < 25; i += 1)
      existing.push(await writer.issue('pager', seconds(Math.floor(i / 2))));
    await store.catchUp();

    const seen: string[] = [];
    let page = await store.listCommands({ deviceId: 'pager', limit: 10 });
    seen.push(...page.items.map((c) => c.state.commandId));
    let added = 0;
    while (page.next) {
      // Newer commands arrive between pages, and one with an old request time (a slow clock).
      await writer.issue('pager', seconds(1000 + added));
      await writer.issue('pager', seconds(-1 - added));
      added += 1;
      await store.catchUp();
      page = await store.listCommands({ deviceId: 'pager', limit: 10, after: page.next });
      seen.push(...page.items.map((c) => c.state.commandId));
    }
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.filter((id) => existing.includes(id)).sort()).toEqual([...existing].sort());
    const times = (await store.listCommands({ deviceId: 'pager', limit: 500 })).items.map((c) => [
      c.state.requestedAt,
      c.state.commandId,
    ]);
    expect(times).toEqual([...times].sort().reverse());
  });

  it('filters by device, by status, and by both', async () => {
    const writer = new CommandWriter(fixture().eventStore);
    const a1 = await writer.issue('filter-a', seconds(1));
    const a2 = await writer.issue('filter-a', seconds(2));
    const b1 = await writer.issue('filter-b', seconds(3));
    await writer.at(a1, 'CommandSent', seconds(4));
    await writer.at(b1, 'CommandSent', seconds(5));
    const store = await fixture().open();
    await store.catchUp();
    expect(await ids(store, { deviceId: 'filter-a', limit: 50 })).toEqual([a2, a1]);
    expect(await ids(store, { deviceId: 'filter-a', status: 'sent', limit: 50 })).toEqual([a1]);
    const sent = await ids(store, { status: 'sent', limit: 500 });
    expect(sent).toEqual(expect.arrayContaining([a1, b1]));
    expect(sent).not.toContain(a2);
    expect((await ids(store, { limit: 3 })).length).toBe(3);
    expect(await ids(store, { deviceId: 'never-seen', limit: 50 })).toEqual([]);
  });

  it('ends with next = null, and a cursor past the end gives an empty page', async () => {
    const writer = new CommandWriter(fixture().eventStore);
    await writer.issue('short', seconds(1));
    await writer.issue('short', seconds(2));
    const store = await fixture().open();
    await store.catchUp();
    const exact = await store.listCommands({ deviceId: 'short', limit: 2 });
    expect([exact.items.length, exact.next]).toEqual([2, null]);
    const first = await store.listCommands({ deviceId: 'short', limit: 1 });
    const second = await store.listCommands({ deviceId: 'short', limit: 1, after: first.next });
    expect([second.items.length, second.next]).toEqual([1, null]);
    const beyond = encodeListCursor({ requestedAt: '1970-01-01T00:00:00.000Z', commandId: '0' });
    expect(
      (await store.listCommands({ deviceId: 'short', limit: 5, after: beyond })).items,
    ).toEqual([]);
  });

  it('refuses a cursor it did not make', async () => {
    const store = await fixture().open();
    await expect(store.listCommands({ limit: 5, after: 'bm90IGEgY3Vyc29y' })).rejects.toThrow(
      'after is not a cursor',
    );
  });
});
