import { describe, expect, it } from '@jest/globals';
import { CommandQueue } from './command-queue.js';

const tick = () => new Promise((r) => setImmediate(r));

describe('CommandQueue', () => {
  it('runs one at a time, in arrival order, by default', async () => {
    const log: string[] = [];
    const gates = new Map<number, () => void>();
    const q = new CommandQueue<number>(1, async (n) => {
      log.push(`start ${n}`);
      await new Promise<void>((r) => gates.set(n, r));
      log.push(`end ${n}`);
    });
    [1, 2, 3].forEach((n) => q.push(n));
    await tick();
    expect(log).toEqual(['start 1']);
    gates.get(1)!();
    await tick();
    gates.get(2)!();
    await tick();
    gates.get(3)!();
    expect(await q.drained(1000)).toBe(true);
    expect(log).toEqual(['start 1', 'end 1', 'start 2', 'end 2', 'start 3', 'end 3']);
  });

  it('runs up to its concurrency at once, and goes on after a failure', async () => {
    let running = 0;
    let most = 0;
    const q = new CommandQueue<number>(2, async (n) => {
      most = Math.max(most, ++running);
      await tick();
      running--;
      if (n === 1) throw new Error('boom');
    });
    for (let n = 0; n < 6; n++) q.push(n);
    expect(await q.drained(1000)).toBe(true);
    expect(most).toBe(2);
  });

  it('says when it could not drain in time', async () => {
    const q = new CommandQueue<number>(1, () => new Promise(() => undefined));
    q.push(1);
    expect(q.size).toBe(1);
    expect(await q.drained(20)).toBe(false);
  });

  it('refuses a concurrency below 1', () => {
    expect(() => new CommandQueue(0, async () => undefined)).toThrow(/concurrency/);
  });
});
