import { describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import type { NewEvent, RecordedEvent } from '../event-store.port.js';
import { eventStoreOverEsdbClient } from './eventstoredb-event-store.js';
import { readAll } from './read.js';
import { InMemoryEsdbClient } from './testing/in-memory-esdb-client.js';

const event = (index = 0): NewEvent => ({ id: randomUUID(), type: 'Tested', data: { index } });
const ids = (events: RecordedEvent[]): string[] => events.map((e) => e.id);

/** Streams a-0, b-0, a-1, ... with a system event in between. */
async function seeded(): Promise<InMemoryEsdbClient> {
  const client = new InMemoryEsdbClient();
  const store = eventStoreOverEsdbClient(client);
  for (let i = 0; i < 7; i += 1) {
    await store.append(`command-${i % 2 === 0 ? 'a' : 'b'}`, [event(i)], 'any');
    if (i === 3) client.writeSystemEvent('$$command-a', '$metadata');
  }
  await store.append('other-x', [event(99)], 'any');
  return client;
}

describe('EventStoreDB adapter reads (client stand-in: no server can run here)', () => {
  it('reads a missing stream as []', async () => {
    expect(await eventStoreOverEsdbClient(new InMemoryEsdbClient()).readStream('nope')).toEqual([]);
  });

  it('readAll leaves out system streams and events, and filters by prefix', async () => {
    const store = eventStoreOverEsdbClient(await seeded());
    const all = await store.readAll();
    expect(all.map((e) => e.stream)).not.toContainEqual(expect.stringMatching(/^\$/));
    expect(all).toHaveLength(8);
    const commands = await store.readAll({ streamPrefix: 'command-' });
    expect(commands.map((e) => e.data['index'])).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it.each([2, 3, 5, 512])(
    'readAll pages of %i give the same log, after exclusive',
    async (page) => {
      const client = await seeded();
      const whole = await readAll(client, { streamPrefix: 'command-' }, 512);
      expect(ids(await readAll(client, { streamPrefix: 'command-' }, page))).toEqual(ids(whole));
      const rest = await readAll(
        client,
        { streamPrefix: 'command-', after: whole[2]!.position },
        page,
      );
      expect(ids(rest)).toEqual(ids(whole.slice(3)));
      const limited = await readAll(
        client,
        { streamPrefix: 'command-', after: whole[2]!.position, limit: 2 },
        page,
      );
      expect(ids(limited)).toEqual(ids(whole.slice(3, 5)));
      expect(
        await readAll(
          client,
          { after: whole[whole.length - 1]!.position, streamPrefix: 'command-' },
          page,
        ),
      ).toEqual([]);
    },
  );

  it('subscribeToAll starts strictly after a position and goes live, filtered', async () => {
    const client = await seeded();
    const store = eventStoreOverEsdbClient(client);
    const log = await store.readAll({ streamPrefix: 'command-' });
    const subscription = store.subscribeToAll({
      streamPrefix: 'command-',
      after: log[4]!.position,
    });
    const it = subscription[Symbol.asyncIterator]();
    expect((await it.next()).value).toMatchObject({ id: log[5]!.id });
    expect((await it.next()).value).toMatchObject({ id: log[6]!.id });
    const live = event(7);
    await store.append('command-c', [live], 'no_stream');
    expect((await it.next()).value).toMatchObject({ id: live.id, stream: 'command-c' });
    await subscription.close();
    expect((await it.next()).done).toBe(true);
  });

  it('close() ends a waiting for-await loop even if the client never ends its stream', async () => {
    const store = eventStoreOverEsdbClient(new InMemoryEsdbClient());
    const subscription = store.subscribeToAll({ streamPrefix: 'nothing-' });
    const loop = (async () => {
      for await (const _ of subscription) return 'got an event';
      return 'ended';
    })();
    await new Promise((r) => setTimeout(r, 20));
    await subscription.close();
    await expect(loop).resolves.toBe('ended');
  });

  it('without a prefix, the subscription leaves out system streams too', async () => {
    const client = new InMemoryEsdbClient();
    const store = eventStoreOverEsdbClient(client);
    client.writeSystemEvent('$$command-a', 'NotDollarTyped');
    await store.append('command-a', [event()], 'no_stream');
    const it = store.subscribeToAll()[Symbol.asyncIterator]();
    expect((await it.next()).value).toMatchObject({ stream: 'command-a' });
  });
});

describe('EventStoreDB adapter and re-sent event ids (client stand-in: no server can run here)', () => {
  it('refuses an id the stream already has, at an exact revision or any', async () => {
    const store = eventStoreOverEsdbClient(new InMemoryEsdbClient());
    const e = event();
    await store.append('s', [e, event()], 'no_stream');
    await expect(store.append('s', [e], 1n)).rejects.toMatchObject({
      name: 'StaleRevisionError',
      expected: 1n,
      actual: 1n,
    });
    await expect(store.append('s', [event(), e], 'any')).rejects.toMatchObject({
      name: 'StaleRevisionError',
    });
    expect(await store.readStream('s')).toHaveLength(2);
  });

  it('without the check, EventStoreDB semantics would store the id twice', async () => {
    const store = eventStoreOverEsdbClient(new InMemoryEsdbClient(), { detectResentEvents: false });
    const e = event();
    await store.append('s', [e], 'no_stream');
    await store.append('s', [e], 0n);
    expect(ids(await store.readStream('s'))).toEqual([e.id, e.id]);
  });

  it('a re-sent creation at no_stream is stale as on the SQL stores (the server alone would call it an idempotent retry)', async () => {
    const store = eventStoreOverEsdbClient(new InMemoryEsdbClient());
    const e = event();
    await store.append('s', [e], 'no_stream');
    await expect(store.append('s', [e], 'no_stream')).rejects.toMatchObject({
      name: 'StaleRevisionError',
      expected: 'no_stream',
      actual: 0n,
    });
    expect(await store.readStream('s')).toHaveLength(1);
  });
});

describe('EventStoreDB adapter lifecycle (client stand-in: no server can run here)', () => {
  it('ping treats a missing stream as an answer; close disposes the client', async () => {
    const client = new InMemoryEsdbClient();
    const store = eventStoreOverEsdbClient(client);
    await expect(store.ping()).resolves.toBeUndefined();
    await store.close();
    expect(client.disposed).toBe(true);
  });
});
