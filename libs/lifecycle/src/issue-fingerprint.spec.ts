import { describe, expect, it } from '@jest/globals';
import { issueFingerprints } from './issue-fingerprint.js';

const defaults = { ackTimeoutMs: 10_000, timeoutMs: 60_000, expiresInMs: 300_000 };
const fp = (body: Record<string, unknown>) => issueFingerprints(body, defaults).fingerprint;
const base = { deviceId: 'pump-1', name: 'set-speed', payload: { rpm: 1 } };

describe('issue fingerprints (idempotent re-issue after defaults)', () => {
  it('given a default spelled out, then it is the same request as leaving it out', () => {
    expect(fp({ ...base, timeoutMs: 60_000 })).toBe(fp(base));
    expect(fp({ ...base, ackTimeoutMs: 10_000, expiresInMs: 300_000 })).toBe(fp(base));
    expect(fp({ ...base, retry: { maxAttempts: 1, on: [] } })).toBe(fp(base));
    expect(fp({ deviceId: 'pump-1', name: 'set-speed', payload: {} })).toBe(
      fp({ deviceId: 'pump-1', name: 'set-speed' }),
    );
  });
  it('given delivery when_online or queue.supersede false spelled out, then it is the same request', () => {
    expect(fp({ ...base, delivery: 'when_online' })).toBe(fp(base));
    expect(fp({ ...base, queue: { key: 'motor', supersede: false } })).toBe(
      fp({ ...base, queue: { key: 'motor' } }),
    );
    expect(fp({ ...base, delivery: 'immediate' })).not.toBe(fp(base));
    expect(fp({ ...base, queue: { key: 'motor' } })).not.toBe(fp(base));
    expect(fp({ ...base, queue: { key: 'motor', supersede: true } })).not.toBe(
      fp({ ...base, queue: { key: 'motor' } }),
    );
  });
  it('given retry.on in another order, then it is the same request', () => {
    expect(fp({ ...base, retry: { maxAttempts: 2, on: ['timed_out', 'failed'] } })).toBe(
      fp({ ...base, retry: { maxAttempts: 2, on: ['failed', 'timed_out'] } }),
    );
  });
  it('given another value than the default, then it is another request', () => {
    expect(fp({ ...base, timeoutMs: 60_001 })).not.toBe(fp(base));
    expect(fp({ ...base, retry: { maxAttempts: 2 } })).not.toBe(fp(base));
  });
  it('keeps the fingerprint of the body as sent as an equivalent (what earlier versions stored)', () => {
    const { equivalent } = issueFingerprints(base, defaults);
    expect(equivalent).toHaveLength(1);
    expect(equivalent[0]).not.toBe(fp(base));
  });
});
