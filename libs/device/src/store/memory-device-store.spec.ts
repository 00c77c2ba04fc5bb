import { describe, expect, it } from '@jest/globals';
import { MemoryDeviceStore } from './memory-device-store.js';
import { describeDeviceStoreContract } from './testing/device-store.contract.js';

describeDeviceStoreContract('MemoryDeviceStore', {
  open: (limits) => new MemoryDeviceStore(limits),
});

describe('MemoryDeviceStore', () => {
  it('takes epochs from the clock, so that a restarted process still rises', () => {
    const now = Date.parse('2026-01-01T00:00:00.000Z');
    expect(new MemoryDeviceStore().nextEpoch(now)).toBe(now);
  });

  it('refuses limits that make no sense', () => {
    expect(() => new MemoryDeviceStore({ maxEntries: 0 })).toThrow(/maxEntries/);
    expect(() => new MemoryDeviceStore({ maxAgeMs: -1 })).toThrow(/maxAgeMs/);
  });
});
