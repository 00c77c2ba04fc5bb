import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  type EventStore,
  createPgliteEventStore,
  createPostgresEventStore,
} from '@ratchet/event-store';
import {
  type TestDatabase,
  createTestDatabase,
  isPostgresReachable,
  postgresRequired,
} from '@ratchet/event-store/testing';
import {
  type CommandInput,
  type CommandRequestedData,
  checkStream,
  streamOf,
} from '@ratchet/lifecycle';
import { randomUUID } from 'node:crypto';
import { CommandStateCache } from './command-state-cache.js';
import {
  type TransitionOptions,
  type TransitionResult,
  defaultTransitionOptions,
  transition,
} from './transition.js';

const T0 = Date.parse('2026-01-01T00:00:00.000Z');
const meta = { correlationId: 'test', causationId: null };

const request = (commandId: string): CommandRequestedData => ({
  commandId,
  deviceId: 'pump-1',
  name: 'set-speed',
  payload: { rpm: 1 },
  requestedAt: new Date(T0).toISOString(),
  ackTimeoutMs: 1_000,
  timeoutMs: 5_000,
  expiresInMs: 60_000,
  retry: { maxAttempts: 1, on: [] },
  attempt: 1,
  retryOf: null,
  rootCommandId: commandId,
  fingerprint: 'fp',
});

/** Time stands still at `t` for these callers: deadlines are tested elsewhere. */
const at = (t: number): TransitionOptions => ({
  ...defaultTransitionOptions,
  maxAttempts: 30,
  now: () => new Date(t),
});

async function stream(store: EventStore, id: string) {
  const events = await store.readStream(streamOf(id));
  return { events, ...checkStream(id, events) };
}

function describeShell(
  name: string,
  open: () => Promise<{ store: EventStore; close: () => Promise<void> }>,
) {
  describe(`transition shell, many concurrent callers on one command (${name})`, () => {
    let store: EventStore;
    let close: () => Promise<void>;
    beforeAll(async () => ({ store, close } = await open()));
    afterAll(() => close?.());

    it('50 concurrent issues of one id create it once; the others converge as duplicates', async () => {
      const id = randomUUID();
      const results = await Promise.all(
        Array.from({ length: 50 }, () =>
          transition(
            store,
            id,
            { kind: 'issue', command: request(id) },
            { metadata: meta },
            at(T0),
          ),
        ),
      );
      expect(results.filter((r) => r.outcome === 'applied')).toHaveLength(1);
      expect(
        results.filter((r) => r.outcome === 'unchanged' && r.reason === 'duplicate'),
      ).toHaveLength(49);
      expect((await stream(store, id)).events.map((e) => e.type)).toEqual(['CommandRequested']);
    });

    it('50 concurrent identical acks append one CommandAcknowledged', async () => {
      const id = randomUUID();
      await transition(
        store,
        id,
        { kind: 'issue', command: request(id) },
        { metadata: meta },
        at(T0),
      );
      const results = await Promise.all(
        Array.from({ length: 50 }, () =>
          transition(
            store,
            id,
            { kind: 'acknowledge', deviceId: 'pump-1' },
            { metadata: meta },
            at(T0 + 10),
          ),
        ),
      );
      expect(results.filter((r) => r.outcome === 'applied')).toHaveLength(1);
      const s = await stream(store, id);
      expect(s.events.map((e) => e.type)).toEqual(['CommandRequested', 'CommandAcknowledged']);
      expect(results.some((r) => r.conflicts > 0)).toBe(true); // the race did happen
    });

    it('a storm of mixed inputs leaves a valid path with one terminal event and no duplicate transition', async () => {
      for (let round = 0; round < 5; round++) {
        const id = randomUUID();
        await transition(
          store,
          id,
          { kind: 'issue', command: request(id) },
          { metadata: meta },
          at(T0),
        );
        const inputs: CommandInput[] = [
          ...Array<CommandInput>(8).fill({ kind: 'mark_sent' }),
          ...Array<CommandInput>(8).fill({ kind: 'acknowledge', deviceId: 'pump-1' }),
          ...Array<CommandInput>(6).fill({
            kind: 'record_result',
            deviceId: 'pump-1',
            status: 'executed',
          }),
          ...Array<CommandInput>(4).fill({
            kind: 'record_result',
            deviceId: 'pump-1',
            status: 'failed',
            error: 'jam',
          }),
          ...Array<CommandInput>(4).fill({
            kind: 'record_result',
            deviceId: 'pump-2',
            status: 'executed',
          }),
          ...Array<CommandInput>(4).fill({ kind: 'cancel' }),
          ...Array<CommandInput>(6).fill({ kind: 'time_out' }),
        ].sort(() => Math.random() - 0.5);
        // Past every deadline, so time-outs compete with results for real.
        const results: TransitionResult[] = await Promise.all(
          inputs.map((input) => transition(store, id, input, { metadata: meta }, at(T0 + 6_000))),
        );
        const s = await stream(store, id);
        expect(s.violations).toEqual([]);
        const types = s.events.map((e) => e.type);
        expect(new Set(types).size).toBe(types.length);
        const terminal = types.filter((t) =>
          [
            'CommandExecuted',
            'CommandFailed',
            'CommandTimedOut',
            'CommandCancelled',
            'CommandExpired',
          ].includes(t),
        );
        expect(terminal).toHaveLength(1);
        expect(s.state?.revision).toBe(BigInt(s.events.length - 1));
        // Every append the store accepted is reported as applied by exactly one caller.
        const applied = results
          .filter((r) => r.outcome === 'applied')
          .flatMap((r) => (r.outcome === 'applied' ? r.events : []));
        expect(applied.map((e) => e.type).sort()).toEqual(types.slice(1).sort());
        // The spoofed results changed nothing.
        expect(
          results.filter((r) => r.outcome === 'unchanged' && r.reason === 'device_mismatch'),
        ).toHaveLength(4);
      }
    });

    describe('with caches of command states (one per simulated instance)', () => {
      const cached = (cache: CommandStateCache, t: number): TransitionOptions => ({
        ...at(t),
        cache,
      });

      it('an instance whose cache is old appends nothing on it: stale, re-read, decided again', async () => {
        const id = randomUUID();
        const a = new CommandStateCache();
        const b = new CommandStateCache();
        const issue: CommandInput = { kind: 'issue', command: request(id) };
        expect(
          (await transition(store, id, issue, { metadata: meta }, cached(a, T0))).outcome,
        ).toBe('applied');
        // b learns the command at revision 0, then a moves it on twice behind b's back.
        expect(
          (await transition(store, id, issue, { metadata: meta }, cached(b, T0))).outcome,
        ).toBe('unchanged');
        expect(b.get(streamOf(id))?.revision).toBe(0n);
        await transition(store, id, { kind: 'mark_sent' }, { metadata: meta }, cached(a, T0 + 1));
        await transition(
          store,
          id,
          { kind: 'acknowledge', deviceId: 'pump-1' },
          { metadata: meta },
          cached(a, T0 + 2),
        );
        // On b's old state (requested) a mark_sent would append CommandSent: the store refuses it.
        const late = await transition(
          store,
          id,
          { kind: 'mark_sent' },
          { metadata: meta },
          cached(b, T0 + 3),
        );
        expect(late).toMatchObject({ outcome: 'unchanged', reason: 'stale', conflicts: 1 });
        expect(late.state?.status).toBe('acknowledged');
        expect(b.get(streamOf(id))?.revision).toBe(2n);
        // On b's old state an ack would append; on the real one it is a duplicate.
        const again = await transition(
          store,
          id,
          { kind: 'acknowledge', deviceId: 'pump-1' },
          { metadata: meta },
          cached(b, T0 + 4),
        );
        expect(again).toMatchObject({ outcome: 'unchanged', reason: 'duplicate' });
        expect((await stream(store, id)).events.map((e) => e.type)).toEqual([
          'CommandRequested',
          'CommandSent',
          'CommandAcknowledged',
        ]);
      });

      it('an outcome other than an append is never taken from the cache', async () => {
        const id = randomUUID();
        const a = new CommandStateCache();
        const b = new CommandStateCache();
        await transition(
          store,
          id,
          { kind: 'issue', command: request(id) },
          { metadata: meta },
          cached(a, T0),
        );
        await transition(store, id, { kind: 'mark_sent' }, { metadata: meta }, cached(a, T0 + 1));
        // b remembers `sent`; a records the result.
        await transition(store, id, { kind: 'mark_sent' }, { metadata: meta }, cached(b, T0 + 2));
        expect(b.get(streamOf(id))?.status).toBe('sent');
        await transition(
          store,
          id,
          { kind: 'record_result', deviceId: 'pump-1', status: 'executed', output: { ok: 1 } },
          { metadata: meta },
          cached(a, T0 + 3),
        );
        // On b's `sent` a cancel is rejected (not_cancellable) either way, but the answer must
        // carry the real state; a repeated mark_sent must say stale, not duplicate.
        const cancel = await transition(
          store,
          id,
          { kind: 'cancel' },
          { metadata: meta },
          cached(b, T0 + 4),
        );
        expect(cancel).toMatchObject({ outcome: 'rejected', code: 'not_cancellable' });
        expect(cancel.state?.status).toBe('executed');
        const sent = await transition(
          store,
          id,
          { kind: 'mark_sent' },
          { metadata: meta },
          cached(b, T0 + 5),
        );
        expect(sent).toMatchObject({ outcome: 'unchanged', reason: 'stale' });
      });

      it('a new command is appended without a read; an instance that does not know an existing one is refused by the store, reads, and answers duplicate', async () => {
        let reads = 0;
        // The real store, counting its stream reads.
        const counted: EventStore = {
          append: (...args) => store.append(...args),
          appendMany: (...args) => store.appendMany(...args),
          readStream: (...args) => {
            reads += 1;
            return store.readStream(...args);
          },
          readAll: (...args) => store.readAll(...args),
          settled: () => store.settled(),
          subscribeToAll: (...args) => store.subscribeToAll(...args),
          ping: () => store.ping(),
          close: () => Promise.resolve(),
        };
        const id = randomUUID();
        const issue: CommandInput = { kind: 'issue', command: request(id) };
        const a = await transition(
          counted,
          id,
          issue,
          { metadata: meta },
          cached(new CommandStateCache(), T0),
        );
        expect(a).toMatchObject({ outcome: 'applied', conflicts: 0 });
        expect(reads).toBe(0);
        const b = await transition(
          counted,
          id,
          issue,
          { metadata: meta },
          cached(new CommandStateCache(), T0),
        );
        expect(b).toMatchObject({ outcome: 'unchanged', reason: 'duplicate', conflicts: 0 });
        expect(reads).toBe(1);
        const c = await transition(
          counted,
          id,
          { kind: 'issue', command: { ...request(id), fingerprint: 'other' } },
          { metadata: meta },
          cached(new CommandStateCache(), T0),
        );
        expect(c).toMatchObject({ outcome: 'rejected', code: 'id_conflict' });
        expect((await stream(store, id)).events).toHaveLength(1);
      });

      it('a repeated issue, with or without a cache entry, is a duplicate or an id conflict', async () => {
        const id = randomUUID();
        const a = new CommandStateCache();
        await transition(
          store,
          id,
          { kind: 'issue', command: request(id) },
          { metadata: meta },
          cached(a, T0),
        );
        const again = await transition(
          store,
          id,
          { kind: 'issue', command: request(id) },
          { metadata: meta },
          cached(a, T0),
        );
        expect(again).toMatchObject({ outcome: 'unchanged', reason: 'duplicate', conflicts: 0 });
        const other = await transition(
          store,
          id,
          { kind: 'issue', command: { ...request(id), fingerprint: 'other' } },
          { metadata: meta },
          cached(new CommandStateCache(), T0),
        );
        expect(other).toMatchObject({ outcome: 'rejected', code: 'id_conflict' });
        expect((await stream(store, id)).events).toHaveLength(1);
      });

      it('a storm of mixed inputs from 4 instances with caches leaves one valid path', async () => {
        for (let round = 0; round < 5; round++) {
          const id = randomUUID();
          const caches = Array.from({ length: 4 }, () => new CommandStateCache());
          await Promise.all(
            caches.map((c) =>
              transition(
                store,
                id,
                { kind: 'issue', command: request(id) },
                { metadata: meta },
                cached(c, T0),
              ),
            ),
          );
          const inputs: CommandInput[] = [
            ...Array<CommandInput>(6).fill({ kind: 'mark_sent' }),
            ...Array<CommandInput>(6).fill({ kind: 'acknowledge', deviceId: 'pump-1' }),
            ...Array<CommandInput>(4).fill({
              kind: 'record_result',
              deviceId: 'pump-1',
              status: 'executed',
              output: {},
            }),
            ...Array<CommandInput>(3).fill({ kind: 'cancel' }),
            ...Array<CommandInput>(3).fill({ kind: 'time_out' }),
          ];
          const results = await Promise.all(
            inputs.map((input, i) =>
              transition(store, id, input, { metadata: meta }, cached(caches[i % 4]!, T0 + 6_000)),
            ),
          );
          const s = await stream(store, id);
          expect(s.violations).toEqual([]);
          const types = s.events.map((e) => e.type);
          expect(new Set(types).size).toBe(types.length);
          expect(s.state?.revision).toBe(BigInt(s.events.length - 1));
          const applied = results.flatMap((r) => (r.outcome === 'applied' ? r.events : []));
          expect(applied.map((e) => e.type).sort()).toEqual(types.slice(1).sort());
          // What each cache holds is the stream's state at that revision.
          for (const c of caches) {
            const known = c.get(streamOf(id));
            if (known)
              expect(known).toEqual(
                checkStream(id, s.events.slice(0, Number(known.revision) + 1)).state,
              );
          }
        }
      });
    });
  });
}

describeShell('PGlite', async () => {
  const store = await createPgliteEventStore({ memory: true });
  return { store, close: () => store.close() };
});

const pgAvailable = postgresRequired() || (await isPostgresReachable());
(pgAvailable ? describeShell : describe.skip)('PostgreSQL', async () => {
  const db: TestDatabase = await createTestDatabase('shell');
  const store = await createPostgresEventStore({ connectionString: db.url });
  return {
    store,
    close: async () => {
      await store.close();
      await db.drop();
    },
  };
});
