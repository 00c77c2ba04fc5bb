import { describe, expect, it } from '@jest/globals';
import { describePlan } from './describe-plan.js';

const ok = { status: 'executed' as const, output: null };

describe('describePlan', () => {
  it('says when a device stays quiet, or refuses an expired intent', () => {
    expect(describePlan({ outcome: 'silent' })).toBe('silent: no answer');
    expect(
      describePlan({
        outcome: 'expired',
        messages: [
          { atMs: 0, kind: 'ack', copy: 'original', deviceId: 'pump-1', body: {} },
          {
            atMs: 0,
            kind: 'result',
            copy: 'original',
            deviceId: 'pump-1',
            body: { status: 'failed', error: 'expired' },
          },
        ],
      }),
    ).toBe('refused, already expired: ack → failed');
  });

  it('lists the messages in order, folding copies sent together, with spoofs and delays', () => {
    const text = describePlan({
      outcome: 'answered',
      status: 'executed',
      traits: ['duplicated', 'spoofed', 'delayed'],
      messages: [
        { atMs: 0, kind: 'ack', copy: 'spoof', deviceId: 'pump-2', body: {} },
        { atMs: 0, kind: 'ack', copy: 'original', deviceId: 'pump-1', body: {} },
        { atMs: 0, kind: 'ack', copy: 'duplicate', deviceId: 'pump-1', body: {} },
        { atMs: 120, kind: 'result', copy: 'original', deviceId: 'pump-1', body: ok },
        { atMs: 120, kind: 'result', copy: 'duplicate', deviceId: 'pump-1', body: ok },
        { atMs: 130, kind: 'result', copy: 'duplicate', deviceId: 'pump-1', body: ok },
      ],
    });
    expect(text).toBe('ack spoofed as pump-2 → ack ×2 → executed ×2 +120ms → executed +130ms');
  });

  it('names the orderings a reader could miss', () => {
    const text = describePlan({
      outcome: 'answered',
      status: 'failed',
      traits: ['no-ack'],
      messages: [
        {
          atMs: 0,
          kind: 'result',
          copy: 'original',
          deviceId: 'pump-1',
          body: { status: 'failed', error: 'x' },
        },
      ],
    });
    expect(text).toBe('failed  [no-ack]');
  });
});
