import { describe, expect, it } from '@jest/globals';
import type { Position, RecordedEvent } from '@ratchet/event-store';
import { checkQueues } from './queue-checks.js';
import type { Violation } from './violation.js';

let n = 0;
const ev = (stream: string, type: string, data: Record<string, unknown> = {}): RecordedEvent => ({
  stream,
  revision: 0n,
  id: `e${n}`,
  type,
  data: { at: '2026-01-01T00:00:00.000Z', ...data },
  metadata: {},
  recordedAt: new Date(0),
  position: String(n++).padStart(8, '0') as Position,
});
const requested = (id: string, key: string | null) =>
  ev(`command-${id}`, 'CommandRequested', {
    deviceId: 'd',
    queue: key ? { key, supersede: false } : null,
  });
const queued = (id: string, key: string) => ev('device-d', 'CommandQueued', { commandId: id, key });
const sent = (id: string) => ev(`command-${id}`, 'CommandSent');
const executed = (id: string) => ev(`command-${id}`, 'CommandExecuted');

describe('the chaos checker for devices and queues', () => {
  it('passes one at a time per key, in queue order', () => {
    const found: Violation[] = [];
    const figures = checkQueues(
      [
        requested('a', 'k'),
        queued('a', 'k'),
        requested('b', 'k'),
        queued('b', 'k'),
        sent('a'),
        executed('a'),
        sent('b'),
        executed('b'),
      ],
      found,
    );
    expect(found).toEqual([]);
    expect(figures.keyedSends).toBe(2);
  });

  it('finds a second command of a key sent while the first was open', () => {
    const found: Violation[] = [];
    checkQueues(
      [
        requested('a', 'k'),
        queued('a', 'k'),
        requested('b', 'k'),
        queued('b', 'k'),
        sent('a'),
        sent('b'),
        executed('a'),
      ],
      found,
    );
    expect(found.map((v) => v.kind)).toEqual(['queue_two_in_flight']);
  });

  it('finds presence moved to an older epoch, and counts a send recorded while offline', () => {
    const found: Violation[] = [];
    const figures = checkQueues(
      [
        ev('device-d', 'DeviceCameOnline', { epoch: 5 }),
        ev('device-d', 'DeviceWentOffline', { epoch: 5 }),
        requested('c', null),
        sent('c'),
        ev('device-d', 'DeviceCameOnline', { epoch: 4 }),
      ],
      found,
    );
    expect(found.map((v) => v.kind)).toEqual(['presence_rule']);
    expect(figures.sentWhileRecordedOffline).toBe(1);
  });
});
