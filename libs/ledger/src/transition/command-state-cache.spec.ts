import { describe, expect, it } from '@jest/globals';
import type { CommandState } from '@ratchet/lifecycle';
import { CommandStateCache } from './command-state-cache.js';

const at = (revision: bigint, status = 'requested'): CommandState =>
  ({ revision, status }) as unknown as CommandState;

describe('CommandStateCache', () => {
  it('keeps the latest revision it was told about, never an older one', () => {
    const cache = new CommandStateCache();
    cache.remember('command-a', at(1n));
    cache.remember('command-a', at(0n));
    expect(cache.get('command-a')?.revision).toBe(1n);
    cache.remember('command-a', at(2n, 'acknowledged'));
    expect(cache.get('command-a')?.status).toBe('acknowledged');
    cache.remember('command-a', null);
    expect(cache.get('command-a')?.revision).toBe(2n);
  });

  it.each(['executed', 'failed', 'timed_out', 'cancelled', 'expired'])(
    'keeps no ended command (%s): its entry goes, and holds no payload',
    (status) => {
      const cache = new CommandStateCache();
      cache.remember('command-a', at(1n, 'acknowledged'));
      cache.remember('command-a', at(2n, status));
      expect(cache.get('command-a')).toBeUndefined();
      expect(cache.size).toBe(0);
    },
  );

  it('forgets a state only while it is still the entry', () => {
    const cache = new CommandStateCache();
    const old = at(0n);
    cache.remember('command-a', old);
    cache.remember('command-a', at(1n));
    cache.forget('command-a', old);
    expect(cache.get('command-a')?.revision).toBe(1n);
    cache.forget('command-a', cache.get('command-a')!);
    expect(cache.get('command-a')).toBeUndefined();
  });

  it('drops the least recently used entry beyond its capacity', () => {
    const cache = new CommandStateCache(2);
    cache.remember('command-a', at(0n));
    cache.remember('command-b', at(0n));
    cache.get('command-a');
    cache.remember('command-c', at(0n));
    expect(cache.size).toBe(2);
    expect(cache.get('command-b')).toBeUndefined();
    expect(cache.get('command-a')).toBeDefined();
    expect(cache.get('command-c')).toBeDefined();
  });
});

describe('CommandStateCache guesses', () => {
  it('stops guessing an input kind whose guesses are mostly stale, and probes now and then', () => {
    const cache = new CommandStateCache();
    expect(cache.worthGuessing('acknowledge')).toBe(true);
    for (let i = 0; i < 10; i += 1) cache.guessed('acknowledge', true);
    expect(cache.worthGuessing('mark_sent')).toBe(true);
    const tries = Array.from({ length: 32 }, () => cache.worthGuessing('acknowledge'));
    expect(tries.filter(Boolean)).toHaveLength(2);
    for (let i = 0; i < 20; i += 1) cache.guessed('acknowledge', false);
    expect(cache.worthGuessing('acknowledge')).toBe(true);
  });
});
