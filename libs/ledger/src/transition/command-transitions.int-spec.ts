import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type EventStore, createPgliteEventStore } from '@ratchet/event-store';
import { type CommandRequestedData, checkStream, streamOf } from '@ratchet/lifecycle';
import { randomUUID } from 'node:crypto';
import { LedgerMetrics } from '../metrics/ledger-metrics.js';
import { LedgerClock } from '../services/ledger-clock.js';
import { CommandTransitions } from './command-transitions.service.js';

const meta = { correlationId: 'test', causationId: null };

const request = (commandId: string): CommandRequestedData => ({
  commandId,
  deviceId: 'pump-1',
  name: 'set-speed',
  payload: { rpm: 1 },
  requestedAt: new Date().toISOString(),
  ackTimeoutMs: 60_000,
  timeoutMs: 120_000,
  expiresInMs: 600_000,
  retry: { maxAttempts: 1, on: [] },
  attempt: 1,
  retryOf: null,
  rootCommandId: commandId,
  fingerprint: 'fp',
});

describe('CommandTransitions: one transition of a command at a time in a process (PGlite)', () => {
  let store: EventStore;
  let reads = 0;
  /** The next append to this stream fails as a lost connection would. */
  let failNextAppendOf: string | null = null;
  let transitions: CommandTransitions;
  beforeAll(async () => {
    const inner = await createPgliteEventStore({ memory: true });
    store = new Proxy(inner, {
      get(target, key, receiver) {
        if (key === 'append')
          return (...args: Parameters<EventStore['append']>) => {
            if (args[0] === failNextAppendOf) {
              failNextAppendOf = null;
              return Promise.reject(new Error('the store went away'));
            }
            return target.append(...args);
          };
        if (key === 'readStream')
          return (...args: Parameters<EventStore['readStream']>) => {
            reads += 1;
            return target.readStream(...args);
          };
        const value: unknown = Reflect.get(target, key, receiver);
        return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
      },
    });
    transitions = new CommandTransitions(store, new LedgerMetrics(), new LedgerClock({}));
  });
  afterAll(() => store?.close());

  it('sent, acknowledged and executed arriving together: each decides on the last, no refused append, no read', async () => {
    const id = randomUUID();
    await transitions.apply(id, { kind: 'issue', command: request(id) }, meta);
    const readsBefore = reads;
    const results = await Promise.all([
      transitions.apply(id, { kind: 'mark_sent' }, meta),
      transitions.apply(id, { kind: 'acknowledge', deviceId: 'pump-1' }, meta),
      transitions.apply(
        id,
        { kind: 'record_result', deviceId: 'pump-1', status: 'executed', output: { ok: true } },
        meta,
      ),
    ]);
    expect(results.map((r) => r.outcome)).toEqual(['applied', 'applied', 'applied']);
    expect(results.map((r) => r.conflicts)).toEqual([0, 0, 0]);
    expect(reads - readsBefore).toBe(0);
    const events = await store.readStream(streamOf(id));
    expect(events.map((e) => e.type)).toEqual([
      'CommandRequested',
      'CommandSent',
      'CommandAcknowledged',
      'CommandExecuted',
    ]);
    expect(checkStream(id, events).violations).toEqual([]);
  });

  it('a transition that throws does not hold back the next one of the same command', async () => {
    const id = randomUUID();
    await transitions.apply(id, { kind: 'issue', command: request(id) }, meta);
    failNextAppendOf = streamOf(id);
    const [sent, acked] = await Promise.allSettled([
      transitions.apply(id, { kind: 'mark_sent' }, meta),
      transitions.apply(id, { kind: 'acknowledge', deviceId: 'pump-1' }, meta),
    ]);
    expect(sent.status).toBe('rejected');
    expect(acked.status === 'fulfilled' && acked.value.outcome).toBe('applied');
    const events = await store.readStream(streamOf(id));
    expect(events.map((e) => e.type)).toEqual(['CommandRequested', 'CommandAcknowledged']);
  });
});
