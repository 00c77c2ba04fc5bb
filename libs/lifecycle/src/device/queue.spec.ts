/**
 * The queue on the device stream (CONTRACT.md rules 8 and 10), given / when / then: when a
 * `requested` command may be sent, when it must first take its place, and what supersede and
 * closing entries touch. The interleavings are in queue.property.spec.ts.
 */
import { describe, expect, it } from '@jest/globals';
import type { CommandStatus } from '../command.js';
import { decideQueue } from './decide-queue.js';
import { type DeviceEvent, foldDevice } from './device-stream.js';
import {
  type QueueEntry,
  type SendCandidate,
  closableEntries,
  decideSend,
  supersedeTargets,
} from './queue.js';

const statuses =
  (m: Record<string, CommandStatus>) =>
  (id: string): CommandStatus | undefined =>
    m[id];
const keyed = (commandId: string, key = 'motor'): QueueEntry => ({ commandId, key });
const plain = (commandId: string): QueueEntry => ({ commandId, key: null });
const cmd = (
  commandId: string,
  over: Partial<Omit<SendCandidate, 'commandId'>> = {},
): SendCandidate => ({ commandId, delivery: 'when_online', queue: null, ...over });

describe('decideSend: a command without a key', () => {
  it.each([
    ['unknown', 'when_online', { outcome: 'send' }],
    ['online', 'when_online', { outcome: 'send' }],
    ['offline', 'when_online', { outcome: 'enqueue', entry: plain('c') }],
    ['unknown', 'immediate', { outcome: 'send' }],
    ['online', 'immediate', { outcome: 'send' }],
    ['offline', 'immediate', { outcome: 'send' }],
  ] as const)('given a device %s, when %s, then %j', (presence, delivery, then) => {
    expect(decideSend(cmd('c', { delivery }), presence, [], statuses({}))).toEqual(then);
  });

  it('given a device offline and the command already queued, then it waits for the device', () => {
    expect(decideSend(cmd('c'), 'offline', [plain('c')], statuses({}))).toEqual({
      outcome: 'wait',
      waiting: { reason: 'device_offline' },
    });
  });

  it('given keyed commands open ahead of it, then it is not held back by them', () => {
    const queue = [keyed('a'), plain('c')];
    expect(decideSend(cmd('c'), 'online', queue, statuses({ a: 'sent' }))).toEqual({
      outcome: 'send',
    });
  });
});

describe('decideSend: a keyed command', () => {
  const motor = (id: string, delivery: 'when_online' | 'immediate' = 'when_online') =>
    cmd(id, { delivery, queue: { key: 'motor' } });

  it('given no entry yet, then it must take its place first, whatever the presence', () => {
    for (const presence of ['unknown', 'online', 'offline'] as const)
      expect(decideSend(motor('b'), presence, [keyed('a')], statuses({ a: 'executed' }))).toEqual({
        outcome: 'enqueue',
        entry: keyed('b'),
      });
  });

  it.each<[string, CommandStatus | undefined, unknown]>([
    ['requested', 'requested', { outcome: 'wait', waiting: { reason: 'queued', behind: 'a' } }],
    ['sent', 'sent', { outcome: 'wait', waiting: { reason: 'queued', behind: 'a' } }],
    [
      'acknowledged',
      'acknowledged',
      { outcome: 'wait', waiting: { reason: 'queued', behind: 'a' } },
    ],
    [
      'of unknown status',
      undefined,
      { outcome: 'wait', waiting: { reason: 'queued', behind: 'a' } },
    ],
    ['executed', 'executed', { outcome: 'send' }],
    ['failed', 'failed', { outcome: 'send' }],
    ['timed_out', 'timed_out', { outcome: 'send' }],
    ['cancelled', 'cancelled', { outcome: 'send' }],
    ['expired', 'expired', { outcome: 'send' }],
  ])('given the command ahead %s, then %j', (_name, status, then) => {
    const lookup = statuses(status ? { a: status } : {});
    expect(decideSend(motor('b'), 'online', [keyed('a'), keyed('b')], lookup)).toEqual(then);
  });

  it('names the nearest open command ahead, skipping closed ones and other keys', () => {
    const queue = [keyed('a'), keyed('x', 'valve'), keyed('b'), keyed('c'), keyed('d')];
    const lookup = statuses({ a: 'sent', x: 'sent', b: 'requested', c: 'cancelled' });
    expect(decideSend(motor('d'), 'online', queue, lookup)).toEqual({
      outcome: 'wait',
      waiting: { reason: 'queued', behind: 'b' },
    });
  });

  it('given its turn and the device offline: waits for the device, unless immediate', () => {
    const queue = [keyed('a'), keyed('b')];
    const lookup = statuses({ a: 'executed' });
    expect(decideSend(motor('b'), 'offline', queue, lookup)).toEqual({
      outcome: 'wait',
      waiting: { reason: 'device_offline' },
    });
    expect(decideSend(motor('b', 'immediate'), 'offline', queue, lookup)).toEqual({
      outcome: 'send',
    });
  });

  it('given it is behind and immediate, it still waits its turn', () => {
    expect(
      decideSend(
        motor('b', 'immediate'),
        'online',
        [keyed('a'), keyed('b')],
        statuses({ a: 'sent' }),
      ),
    ).toEqual({ outcome: 'wait', waiting: { reason: 'queued', behind: 'a' } });
  });
});

describe('supersedeTargets', () => {
  it('lists the entries of the same key ahead of the command, not behind it, not other keys', () => {
    const queue = [keyed('a'), keyed('x', 'valve'), plain('p'), keyed('b'), keyed('c'), keyed('d')];
    expect(supersedeTargets(queue, 'c')).toEqual(['a', 'b']);
    expect(supersedeTargets(queue, 'a')).toEqual([]);
    expect(supersedeTargets(queue, 'p')).toEqual([]);
    expect(supersedeTargets(queue, 'missing')).toEqual([]);
  });
});

describe('closableEntries', () => {
  it('closes keyed entries once terminal, plain ones once no longer requested, never unknown ones', () => {
    const queue = [
      keyed('a'),
      keyed('b'),
      keyed('c'),
      plain('p'),
      plain('q'),
      plain('r'),
      keyed('u'),
    ];
    const lookup = statuses({
      a: 'executed',
      b: 'sent',
      c: 'requested',
      p: 'sent',
      q: 'requested',
      r: 'expired',
    });
    expect(closableEntries(queue, lookup)).toEqual(['a', 'p', 'r']);
  });
});

describe('decideQueue and the device stream', () => {
  const NOW = new Date('2026-01-01T00:00:10.000Z');
  const at = NOW.toISOString();
  const queued = (commandId: string, key: string | null): DeviceEvent => ({
    type: 'CommandQueued',
    data: { commandId, key, at },
  });

  it('given no stream, when enqueue, then CommandQueued (presence stays unknown)', () => {
    const d = decideQueue({ kind: 'enqueue', entry: keyed('a') }, null, NOW);
    expect(d).toEqual({ outcome: 'append', events: [queued('a', 'motor')] });
    expect(foldDevice([queued('a', 'motor')])).toEqual({
      revision: 0n,
      presence: { status: 'unknown', epoch: null, since: null },
      queue: [keyed('a')],
    });
  });

  it('given the command already queued, when enqueue again, then nothing changes', () => {
    const state = foldDevice([queued('a', 'motor')]);
    expect(decideQueue({ kind: 'enqueue', entry: keyed('a') }, state, NOW)).toEqual({
      outcome: 'unchanged',
      reason: 'duplicate',
    });
  });

  it('given entries, when closing some (with repeats and strangers), then only the open ones are named', () => {
    const state = foldDevice([queued('a', 'motor'), queued('b', null), queued('c', 'motor')]);
    const d = decideQueue({ kind: 'close_entries', commandIds: ['c', 'a', 'a', 'zz'] }, state, NOW);
    expect(d).toEqual({
      outcome: 'append',
      events: [{ type: 'QueueEntriesClosed', data: { commandIds: ['c', 'a'], at } }],
    });
    if (d.outcome !== 'append') return;
    expect(
      foldDevice([queued('a', 'motor'), queued('b', null), queued('c', 'motor'), ...d.events])
        ?.queue,
    ).toEqual([plain('b')]);
    expect(decideQueue({ kind: 'close_entries', commandIds: ['zz'] }, state, NOW)).toEqual({
      outcome: 'unchanged',
      reason: 'nothing_to_close',
    });
  });

  it('keeps the queue across presence events, and presence across queue events', () => {
    const s = foldDevice([
      { type: 'DeviceCameOnline', data: { epoch: 3, at } },
      queued('a', 'motor'),
      { type: 'DeviceWentOffline', data: { epoch: 3, at } },
    ]);
    expect(s).toMatchObject({
      revision: 2n,
      presence: { status: 'offline', epoch: 3 },
      queue: [keyed('a')],
    });
  });
});
