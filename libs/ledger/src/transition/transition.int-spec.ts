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
