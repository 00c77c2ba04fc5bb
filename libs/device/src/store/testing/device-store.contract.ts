/**
 * The one contract every DeviceStore passes (the memory store and the file store; a store of
 * one's own can run it too). `open` gives a fresh store with the given limits; `reopen`, when
 * the store persists, the same store after a restart.
 */
import { describe, expect, it } from '@jest/globals';
import type { DedupeLimits, DeviceStore, SeenCommand } from '../device-store.port.js';

export interface DeviceStoreFixture {
  open(limits?: DedupeLimits): DeviceStore;
  /** Closes `store` and opens it again from what it persisted; absent for a memory store. */
  reopen?(store: DeviceStore, limits?: DedupeLimits): DeviceStore;
}

/** Now: a reopened store cleans its memory by age against the real clock. */
const T = Date.now();
const seen = (n: number, receivedAt = T + n): SeenCommand => ({
  commandId: `c-${n}`,
  deviceId: 'pump-17',
  receivedAt,
  epoch: 7,
});

export function describeDeviceStoreContract(name: string, fixture: DeviceStoreFixture): void {
  describe(`${name} (DeviceStore contract)`, () => {
    it('hands out epochs that rise, from the clock when it is ahead', () => {
      const store = fixture.open();
      const first = store.nextEpoch(T);
      const second = store.nextEpoch(T);
      const third = store.nextEpoch(T - 60_000); // the clock went back
      expect(second).toBeGreaterThan(first);
      expect(third).toBeGreaterThan(second);
      expect(Number.isSafeInteger(third)).toBe(true);
      store.close();
    });

    it('remembers a command and then its result, in place', () => {
      const store = fixture.open();
      store.remember(seen(1), T);
      store.remember(seen(2), T);
      const result = { status: 'executed' as const, output: { rpm: 1 }, epoch: 8 };
      store.remember({ ...seen(1), result }, T);
      expect(store.seen('c-1')).toEqual({ ...seen(1), result });
      expect([...store.seenCommands()].map((c) => c.commandId)).toEqual(['c-1', 'c-2']);
      expect(store.seen('c-3')).toBeUndefined();
      store.close();
    });

    it('forgets the oldest commands beyond its count limit', () => {
      const store = fixture.open({ maxEntries: 3 });
      for (let i = 1; i <= 5; i++) store.remember(seen(i), T);
      expect([...store.seenCommands()].map((c) => c.commandId)).toEqual(['c-3', 'c-4', 'c-5']);
      store.close();
    });

    it('forgets commands older than its age limit', () => {
      const store = fixture.open({ maxAgeMs: 1000 });
      store.remember(seen(1, T), T);
      store.remember(seen(2, T + 900), T + 900);
      store.remember(seen(3, T + 1800), T + 1800);
      expect([...store.seenCommands()].map((c) => c.commandId)).toEqual(['c-2', 'c-3']);
      store.close();
    });

    it('keeps answers pending, in order, until settled', () => {
      const store = fixture.open();
      const a = store.enqueue('t/a', '{"epoch":1}');
      const b = store.enqueue('t/b', '{"epoch":1}');
      const c = store.enqueue('t/c', '{"epoch":2}');
      expect(b.id).toBeGreaterThan(a.id);
      store.settle(b.id);
      store.settle(b.id); // twice: harmless
      expect(store.pending()).toEqual([a, c]);
      store.settle(a.id);
      store.settle(c.id);
      expect(store.pending()).toEqual([]);
      store.close();
    });

    const reopen = fixture.reopen;
    // A store that keeps nothing across a restart has no such cases to pass.
    if (!reopen) return;
    describe('across a restart', () => {
      it('keeps rising epochs, what it has seen and what is pending', () => {
        let store = fixture.open();
        const epoch = store.nextEpoch(T);
        store.remember(seen(1), T);
        store.remember({ ...seen(1), result: { status: 'failed', error: 'x', epoch } }, T);
        store.remember(seen(2), T);
        const a = store.enqueue('t/a', 'A');
        const b = store.enqueue('t/b', 'B');
        store.settle(a.id);
        store = reopen(store);
        expect(store.nextEpoch(T)).toBeGreaterThan(epoch);
        expect(store.seen('c-1')?.result).toEqual({ status: 'failed', error: 'x', epoch });
        expect(store.seen('c-2')).toEqual(seen(2));
        expect(store.pending()).toEqual([b]);
        expect(store.enqueue('t/c', 'C').id).toBeGreaterThan(b.id);
        store.close();
      });

      it('cleans its memory by age when it opens', () => {
        let store = fixture.open({ maxAgeMs: 60_000 });
        store.remember(seen(1, Date.now() - 120_000), Date.now() - 120_000);
        store.remember(seen(2, Date.now()), Date.now());
        store = reopen(store, { maxAgeMs: 60_000 });
        expect(store.seen('c-1')).toBeUndefined();
        expect(store.seen('c-2')).toBeDefined();
        store.close();
      });
    });
  });
}
