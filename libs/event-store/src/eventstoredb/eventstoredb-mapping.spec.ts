import { describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import {
  ANY,
  NO_STREAM,
  StreamNotFoundError,
  WrongExpectedVersionError,
  type AppendExpectedRevision,
  type CurrentRevision,
} from '@eventstore/db-client';
import { InvalidAppendError, StaleRevisionError } from '../errors.js';
import type { NewEvent } from '../event-store.port.js';
import { mapAppendError, toEsdbExpectedRevision } from './append.js';
import type { EsdbRecord } from './eventstoredb-client.js';
import { UnreadableEventError, UnsupportedOperationError } from './eventstoredb-errors.js';
import { eventStoreOverEsdbClient } from './eventstoredb-event-store.js';
import { toEventData, toRecordedEvent } from './event-mapping.js';
import { encodePosition } from './position.js';
import { InMemoryEsdbClient } from './testing/in-memory-esdb-client.js';

const event = (type = 'Tested', data: Record<string, unknown> = {}): NewEvent => ({
  id: randomUUID(),
  type,
  data,
  metadata: { correlationId: 'c-1' },
});
const wrongVersion = (expected: AppendExpectedRevision, current: CurrentRevision) =>
  new WrongExpectedVersionError(undefined, { streamName: 's', expected, current });
const record = (over: Partial<EsdbRecord> = {}): EsdbRecord => ({
  streamId: 'command-1',
  id: randomUUID(),
  revision: 3n,
  type: 'CommandSent',
  created: new Date(0),
  isJson: true,
  data: { a: 1 },
  metadata: { correlationId: 'c' },
  position: { commit: 20n, prepare: 10n },
  ...over,
});

describe('EventStoreDB adapter mapping (client stand-in: no server can run here)', () => {
  describe('expected revision', () => {
    it("maps 'no_stream' to NO_STREAM, 'any' to ANY and a bigint to itself", () => {
      expect(toEsdbExpectedRevision('no_stream')).toBe(NO_STREAM);
      expect(toEsdbExpectedRevision('any')).toBe(ANY);
      expect(toEsdbExpectedRevision(7n)).toBe(7n);
    });

    it('is what the client receives on append', async () => {
      const client = new InMemoryEsdbClient();
      const store = eventStoreOverEsdbClient(client, { detectResentEvents: false });
      await store.append('s', [event()], 'no_stream');
      await store.append('s', [event()], 0n);
      await store.append('s', [event()], 'any');
      expect(client.appendCalls.map((c) => c.options?.expectedRevision)).toEqual([
        NO_STREAM,
        0n,
        ANY,
      ]);
    });
  });

  describe('errors', () => {
    it('turns WrongExpectedVersionError into StaleRevisionError with expected and actual', () => {
      const stale = mapAppendError(wrongVersion(1n, 2n), 'command-x', 1n);
      expect(stale).toBeInstanceOf(StaleRevisionError);
      expect(stale).toMatchObject({ stream: 'command-x', expected: 1n, actual: 2n });
      expect(mapAppendError(wrongVersion(0n, NO_STREAM), 's', 0n)).toMatchObject({
        actual: 'no_stream',
      });
      expect(mapAppendError(wrongVersion(NO_STREAM, 0n), 's', 'no_stream')).toMatchObject({
        expected: 'no_stream',
        actual: 0n,
      });
    });

    it('passes every other error through untouched', () => {
      const other = new StreamNotFoundError(undefined, 's');
      expect(mapAppendError(other, 's', 0n)).toBe(other);
      const plain = new Error('unavailable');
      expect(mapAppendError(plain, 's', 'any')).toBe(plain);
    });

    it('raises StaleRevisionError from append, through the client', async () => {
      const store = eventStoreOverEsdbClient(new InMemoryEsdbClient());
      await store.append('s', [event(), event()], 'no_stream');
      await expect(store.append('s', [event()], 0n)).rejects.toMatchObject({
        name: 'StaleRevisionError',
        stream: 's',
        expected: 0n,
        actual: 1n,
      });
    });

    it.each([
      ['an exact revision', 0n],
      ['no_stream', 'no_stream'],
    ] as const)(
      'with throwOnAppendFailure=false (the client resolves success: false) a conflict at %s is still stale',
      async (_label, expected) => {
        const store = eventStoreOverEsdbClient(new InMemoryEsdbClient(false));
        await store.append('s', [event(), event()], 'no_stream');
        await expect(store.append('s', [event()], expected)).rejects.toMatchObject({
          name: 'StaleRevisionError',
          stream: 's',
          expected,
          actual: 1n,
        });
        expect(await store.readStream('s')).toHaveLength(2);
      },
    );

    it('refuses malformed appends with the shared validation before calling the client', async () => {
      const client = new InMemoryEsdbClient();
      const store = eventStoreOverEsdbClient(client);
      await expect(store.append('s', [], 'any')).rejects.toBeInstanceOf(InvalidAppendError);
      expect(client.appendCalls).toEqual([]);
    });
  });

  describe('event conversion', () => {
    it("writes JSON data and metadata under the decision's server id, the port id in the metadata", () => {
      const e = event('CommandRequested', { deviceId: 'pump-17' });
      const serverId = randomUUID();
      expect(toEventData(e, serverId)).toEqual({
        id: serverId,
        contentType: 'application/json',
        type: 'CommandRequested',
        data: { deviceId: 'pump-17' },
        metadata: { correlationId: 'c-1', ratchetEventId: e.id },
      });
      expect(toEventData({ ...e, metadata: undefined }, serverId).metadata).toEqual({
        ratchetEventId: e.id,
      });
    });

    it('reads the port id back from the metadata (and the server id for events written without it)', () => {
      const portId = randomUUID();
      const r = record({ metadata: { correlationId: 'c', ratchetEventId: portId } });
      expect(toRecordedEvent(r)).toMatchObject({ id: portId, metadata: { correlationId: 'c' } });
      const old = record();
      expect(toRecordedEvent(old)).toMatchObject({ id: old.id, metadata: { correlationId: 'c' } });
    });

    it('writes fresh server ids for every append decision, even of the same port ids', async () => {
      const client = new InMemoryEsdbClient();
      const store = eventStoreOverEsdbClient(client, { detectResentEvents: false });
      const e = event();
      await store.append('twice', [e], 'no_stream');
      await store.append('twice', [e], 0n);
      const serverIds = client.log
        .filter((s) => s.event.streamId === 'twice')
        .map((s) => s.event.id);
      expect(new Set([...serverIds, e.id]).size).toBe(3);
      expect((await store.readStream('twice')).map((r) => r.id)).toEqual([e.id, e.id]);
    });

    it('reads a record into the port event, metadata {} when absent', () => {
      const r = record({ metadata: undefined });
      expect(toRecordedEvent(r)).toEqual({
        stream: 'command-1',
        revision: 3n,
        id: r.id,
        type: 'CommandSent',
        data: { a: 1 },
        metadata: {},
        recordedAt: new Date(0),
        position: encodePosition({ commit: 20n, prepare: 10n }),
      });
    });

    it('refuses a record without a log position', () => {
      const { position: _omitted, ...old } = record();
      expect(() => toRecordedEvent(old)).toThrow(UnreadableEventError);
    });

    it.each([
      ['binary content', { isJson: false, data: new Uint8Array([1]) }],
      ['malformed JSON (the client hands back the string)', { data: '{oops' }],
      ['array data', { data: [1, 2] }],
      ['non-object metadata', { metadata: new Uint8Array([1]) }],
    ])('refuses an event with %s', (_what, over) => {
      expect(() => toRecordedEvent(record(over as Partial<EsdbRecord>))).toThrow(
        UnreadableEventError,
      );
    });
  });

  describe('appendMany', () => {
    it('refuses several streams with UnsupportedOperationError, writing nothing', async () => {
      const client = new InMemoryEsdbClient();
      const store = eventStoreOverEsdbClient(client);
      const attempt = store.appendMany([
        { stream: 'a', events: [event()], expected: 'no_stream' },
        { stream: 'b', events: [event()], expected: 'no_stream' },
      ]);
      await expect(attempt).rejects.toBeInstanceOf(UnsupportedOperationError);
      await expect(attempt).rejects.toMatchObject({ code: 'unsupported_operation' });
      expect(client.appendCalls).toEqual([]);
    });

    it('does a one-stream batch as an ordinary append, and an empty batch as nothing', async () => {
      const store = eventStoreOverEsdbClient(new InMemoryEsdbClient());
      const [result] = await store.appendMany([
        { stream: 'a', events: [event()], expected: 'no_stream' },
      ]);
      expect(result).toMatchObject({ stream: 'a', nextExpectedRevision: 0n });
      expect(await store.appendMany([])).toEqual([]);
    });
  });
});
