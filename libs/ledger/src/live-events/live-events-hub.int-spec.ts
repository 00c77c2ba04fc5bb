import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { type EventStore, type NewEvent, createPgliteEventStore } from '@ratchet/event-store';
import { streamOf } from '@ratchet/lifecycle';
import { randomUUID } from 'node:crypto';
import { LedgerError } from '../errors.js';
import type { EndReason } from './live-client.js';
import { LiveEventsHub, type LiveEventsObserver } from './live-events-hub.js';
import { MemorySink } from '../../test/sse-sink.js';

const event = (type: string, data: Record<string, unknown>): NewEvent => ({
  id: randomUUID(),
  type,
  data,
});
const requested = (commandId: string, deviceId: string, extra: Record<string, unknown> = {}) =>
  event('CommandRequested', { commandId, deviceId, name: 'set-speed', payload: {}, ...extra });
const at = { at: '2026-01-01T00:00:00.000Z' };

/** The whole life of one command, appended one event at a time. */
async function run(store: EventStore, commandId: string, deviceId: string, types: string[]) {
  const stream = streamOf(commandId);
  let expected: 'no_stream' | bigint = 'no_stream';
  for (const type of types) {
    const e =
      type === 'CommandRequested'
        ? requested(commandId, deviceId)
        : type === 'CommandLateResultObserved'
          ? event(type, { ...at, status: 'executed', error: null })
          : event(type, at);
    expected = (await store.append(stream, [e], expected)).nextExpectedRevision;
  }
}

const LIFE = ['CommandRequested', 'CommandSent', 'CommandAcknowledged', 'CommandExecuted'];

const until = async (check: () => boolean, what: string): Promise<void> => {
  for (let i = 0; i < 400 && !check(); i += 1) await new Promise((r) => setTimeout(r, 25));
  if (!check()) throw new Error(`timed out waiting for ${what}`);
};

class Counting implements LiveEventsObserver {
  ended: Array<EndReason | 'left'> = [];
  sentCount = 0;
  opened(): void {}
  closed(reason: EndReason | 'left'): void {
    this.ended.push(reason);
  }
  sent(): void {
    this.sentCount += 1;
  }
  readerFailed(): void {}
}

describe('live events over a real log (PGlite)', () => {
  let store: EventStore;
  let subscriptions = 0;
  let hub: LiveEventsHub;
  let observer: Counting;

  beforeAll(async () => {
    const real = await createPgliteEventStore({ memory: true, subscriptionMinReadIntervalMs: 0 });
    store = {
      ...real,
      append: real.append.bind(real),
      appendMany: real.appendMany.bind(real),
      readStream: real.readStream.bind(real),
      readAll: real.readAll.bind(real),
      settled: real.settled.bind(real),
      ping: real.ping.bind(real),
      close: real.close.bind(real),
      subscribeToAll: (options) => {
        subscriptions += 1;
        return real.subscribeToAll(options);
      },
    };
  });
  afterAll(async () => {
    await store.close();
  });
  const newHub = (settings = {}) => {
    observer = new Counting();
    hub = new LiveEventsHub(store, observer, () => null, { lingerMs: 50, ...settings });
    return hub;
  };
  afterEach(async () => {
    await hub?.close();
  });

  it('streams only events appended after the client came, from ONE reader for every client, each with its command facts and status', async () => {
    const older = randomUUID();
    await run(store, older, 'pump-old', ['CommandRequested']);
    newHub();
    const before = subscriptions;
    const sinks = [new MemorySink(), new MemorySink(), new MemorySink()];
    for (const sink of sinks) await hub.open({}, null, () => sink);
    expect(subscriptions - before).toBe(1);

    await store.append(streamOf(older), [event('CommandSent', at)], 0n);
    const fresh = randomUUID();
    await run(store, fresh, 'pump-new', LIFE);
    for (const sink of sinks) await until(() => sink.transitions.length === 5, 'five transitions');

    for (const sink of sinks) {
      expect(sink.transitions.map((m) => m.data)).toEqual([
        expect.objectContaining({
          commandId: older,
          deviceId: 'pump-old',
          type: 'CommandSent',
          status: 'sent',
          revision: 1,
        }),
        expect.objectContaining({
          commandId: fresh,
          deviceId: 'pump-new',
          fleetCommandId: null,
          type: 'CommandRequested',
          status: 'requested',
          revision: 0,
        }),
        expect.objectContaining({
          commandId: fresh,
          type: 'CommandSent',
          status: 'sent',
          revision: 1,
        }),
        expect.objectContaining({
          commandId: fresh,
          type: 'CommandAcknowledged',
          status: 'acknowledged',
          revision: 2,
        }),
        expect.objectContaining({
          commandId: fresh,
          type: 'CommandExecuted',
          status: 'executed',
          revision: 3,
        }),
      ]);
      expect(Object.keys(sink.transitions[0]!.data!).sort()).toEqual([
        'at',
        'commandId',
        'deviceId',
        'fleetCommandId',
        'revision',
        'status',
        'type',
      ]);
    }
    expect(observer.sentCount).toBe(15);
  });

  it('gives a late result the terminal status it does not change, live and when resumed', async () => {
    newHub();
    const live = new MemorySink();
    await hub.open({}, null, () => live);
    const id = randomUUID();
    await run(store, id, 'pump-late', [
      'CommandRequested',
      'CommandSent',
      'CommandTimedOut',
      'CommandLateResultObserved',
    ]);
    await until(() => live.transitions.length === 4, 'four transitions');
    expect(live.transitions.map((m) => m.data!.status)).toEqual([
      'requested',
      'sent',
      'timed_out',
      'timed_out',
    ]);

    // A new hub knows nothing of the command: it reads the stream for the facts.
    await hub.close();
    newHub();
    const resumed = new MemorySink();
    await hub.open({ commandId: id }, live.transitions[1]!.id, () => resumed);
    await until(() => resumed.transitions.length === 2, 'two transitions');
    expect(resumed.transitions.map((m) => [m.data!.type, m.data!.status])).toEqual([
      ['CommandTimedOut', 'timed_out'],
      ['CommandLateResultObserved', 'timed_out'],
    ]);
  });

  it('resumes from any Last-Event-ID with no gap and no duplicate while appends go on', async () => {
    newHub();
    const watcher = new MemorySink();
    await hub.open({}, null, () => watcher);
    for (let i = 0; i < 6; i += 1) await run(store, randomUUID(), `pump-${i % 3}`, LIFE);
    await until(() => watcher.transitions.length === 24, 'the first 24 transitions');
    const seen = watcher.transitions.map((m) => m.id!);

    // Clients resume from positions spread over what was seen, while more commands are written.
    const starts = [0, 3, 11, 17, 23].map((i) => seen[i]!);
    const writing = (async () => {
      for (let i = 0; i < 8; i += 1) await run(store, randomUUID(), `pump-${i % 3}`, LIFE);
    })();
    const resumed = starts.map(() => new MemorySink());
    for (const [i, sink] of resumed.entries()) {
      await hub.open({}, starts[i]!, () => sink);
      await new Promise((r) => setTimeout(r, 15));
    }
    await writing;
    await until(() => watcher.transitions.length === 56, 'all 56 transitions');
    const all = watcher.transitions.map((m) => m.id!);
    for (const [i, sink] of resumed.entries()) {
      const expected = all.slice(all.indexOf(starts[i]!) + 1);
      await until(() => sink.transitions.length >= expected.length, `client ${i} to catch up`);
      const got = sink.transitions.map((m) => m.id);
      expect(got).toEqual(expected);
    }
  });

  it('drops a client that does not read, while the others get every event', async () => {
    newHub({ maxQueuedPerClient: 5 });
    const stuck = new MemorySink(true);
    const reader = new MemorySink();
    await hub.open({}, null, () => stuck);
    await hub.open({}, null, () => reader);
    for (let i = 0; i < 5; i += 1) await run(store, randomUUID(), 'pump-slow', LIFE);
    await until(() => reader.transitions.length === 20, 'twenty transitions');
    expect(stuck.destroyed).toBe(true);
    expect(observer.ended).toEqual(['slow']);
    expect(hub.clients).toBe(1);
  });

  it('narrows the stream by device and by command', async () => {
    newHub();
    const byDevice = new MemorySink();
    const byCommand = new MemorySink();
    const target = randomUUID();
    await hub.open({ deviceId: 'pump-a' }, null, () => byDevice);
    await hub.open({ commandId: target }, null, () => byCommand);
    await run(store, randomUUID(), 'pump-a', LIFE);
    await run(store, target, 'pump-b', LIFE);
    await run(store, randomUUID(), 'pump-b', LIFE);
    await until(
      () => byDevice.transitions.length === 4 && byCommand.transitions.length === 4,
      'filtered',
    );
    await new Promise((r) => setTimeout(r, 100));
    expect(byDevice.transitions.every((m) => m.data!.deviceId === 'pump-a')).toBe(true);
    expect(byCommand.transitions.every((m) => m.data!.commandId === target)).toBe(true);
    expect(byDevice.transitions).toHaveLength(4);
    expect(byCommand.transitions).toHaveLength(4);
  });

  it('refuses a Last-Event-ID that is not a position of the log, before writing anything', async () => {
    newHub();
    let begun = false;
    await expect(
      hub.open({}, 'not-a-position', () => {
        begun = true;
        return new MemorySink();
      }),
    ).rejects.toBeInstanceOf(LedgerError);
    expect(begun).toBe(false);
  });

  it('sends the position reached in keep-alive comments, and stops reading after the last client left', async () => {
    newHub({ heartbeatMs: 30 });
    const sink = new MemorySink();
    await hub.open({ deviceId: 'nobody' }, null, () => sink);
    await run(store, randomUUID(), 'pump-x', LIFE);
    const head = (await store.readAll({ streamPrefix: 'command-', limit: 10_000 })).at(
      -1,
    )!.position;
    await until(() => sink.text.includes(`id: ${head}`), 'a keep-alive with the head');
    expect(sink.transitions).toHaveLength(0);
    sink.end();
    await until(() => !hub.reading, 'the reader to stop');
  });
});
