import { describe, expect, it } from '@jest/globals';
import type { Position } from '@ratchet/event-store';
import { LiveClient } from './live-client.js';
import type { LiveTransition } from './live-transition.js';
import { MemorySink, parseSse } from '../../test/sse-sink.js';

const pos = (n: number) => `${n.toString(16).padStart(16, '0')}-0000000000000000` as Position;
const transition = (n: number, deviceId = 'pump-1'): LiveTransition => ({
  position: pos(n),
  commandId: '00000000-0000-4000-8000-000000000001',
  deviceId,
  fleetCommandId: null,
  type: 'CommandSent',
  status: 'sent',
  revision: 1,
  at: '2026-01-01T00:00:00.000Z',
});
const client = (sink: MemorySink, catchingUp: boolean, maxQueued = 100) => {
  const ended: string[] = [];
  const c = new LiveClient(
    {},
    sink,
    {
      maxQueued,
      onSent: () => undefined,
      onEnded: (_, reason) => ended.push(reason),
    },
    catchingUp,
  );
  return { c, ended };
};
const ids = (sink: MemorySink) => sink.transitions.map((m) => m.id);

describe('a live client', () => {
  it('given a catch-up that read further than the shared reader, sends nothing twice and skips nothing', () => {
    const sink = new MemorySink();
    const { c } = client(sink, true);
    c.offer(transition(3)); // the shared reader, behind
    for (const n of [2, 3, 4, 5]) c.sendCaughtUp(transition(n));
    c.goLive(pos(5));
    for (const n of [4, 5, 6]) c.offer(transition(n)); // the shared reader catches up
    expect(ids(sink)).toEqual([2, 3, 4, 5, 6].map(pos));
  });

  it('never moves the id of a keep-alive behind what it sent', () => {
    const sink = new MemorySink();
    const { c } = client(sink, true);
    c.sendCaughtUp(transition(7));
    c.keepAlive('catching up', pos(9)); // not live yet: no id
    c.goLive(pos(7));
    c.keepAlive('keep-alive', pos(4));
    c.keepAlive('keep-alive', pos(8));
    expect(parseSse(sink.text).map((m) => m.id)).toEqual([pos(7), null, pos(7), pos(8)]);
  });

  it('when its socket does not drain, queues up to its limit, then is dropped and destroyed', () => {
    const sink = new MemorySink(true);
    const { c, ended } = client(sink, false, 3);
    for (let n = 1; n <= 4; n += 1) c.offer(transition(n));
    expect(ended).toEqual([]);
    c.offer(transition(5));
    expect(ended).toEqual(['slow']);
    expect(sink.destroyed).toBe(true);
    c.offer(transition(6));
    expect(ids(sink)).toEqual([pos(1)]);
  });

  it('sends only what its filter asks for', () => {
    const sink = new MemorySink();
    const c = new LiveClient(
      { deviceId: 'pump-2' },
      sink,
      {
        maxQueued: 10,
        onSent: () => undefined,
        onEnded: () => undefined,
      },
      false,
    );
    c.offer(transition(1, 'pump-1'));
    c.offer(transition(2, 'pump-2'));
    expect(ids(sink)).toEqual([pos(2)]);
  });
});
