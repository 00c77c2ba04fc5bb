import { describe, expect, it } from '@jest/globals';
import { seededRandom } from '../random/seeded-random.js';
import type { ReceivedIntent } from '@ratchet/device';
import { HONEST, resolveBehaviour, type BehaviourOptions } from './behaviour.options.js';
import { planAnswer, type AnswerPlan, type PlanInput } from './plan-answer.js';

const NOW = Date.parse('2030-01-01T00:00:00Z');
const intent: ReceivedIntent = {
  commandId: '0b7e2f0e-3c1a-4f55-9a57-1b0c2d3e4f50',
  name: 'set-speed',
  payload: {},
  attempt: 1,
  issuedAt: '2030-01-01T00:00:00.000Z',
  expiresAt: '2030-01-01T00:05:00.000Z',
  expiresAtMs: NOW + 300_000,
};
const input: PlanInput = { deviceId: 'pump-1', intent, nowMs: NOW, peers: ['pump-1', 'pump-2'] };

const plan = (b: Partial<BehaviourOptions>, seed = 1, i: PlanInput = input): AnswerPlan =>
  planAnswer(i, resolveBehaviour(b), seededRandom(seed));
const messages = (p: AnswerPlan) => (p.outcome === 'answered' ? p.messages : []);
const shape = (p: AnswerPlan) => messages(p).map((m) => `${m.kind}:${m.copy}:${m.deviceId}`);

describe('an honest device', () => {
  it('acks at once, then sends one executed result', () => {
    const p = plan({});
    expect(p).toMatchObject({ outcome: 'answered', status: 'executed', traits: [] });
    expect(messages(p)).toEqual([
      { atMs: 0, kind: 'ack', copy: 'original', deviceId: 'pump-1', body: {} },
      {
        atMs: 0,
        kind: 'result',
        copy: 'original',
        deviceId: 'pump-1',
        body: { status: 'executed', output: { device: 'pump-1', name: 'set-speed', attempt: 1 } },
      },
    ]);
  });

  it('sends the result after its execution time', () => {
    expect(messages(plan({ resultDelayMs: 250 })).map((m) => m.atMs)).toEqual([0, 250]);
  });

  it('refuses an expired intent (ack, then failed saying why), unless told to execute it anyway', () => {
    const late = { ...input, nowMs: intent.expiresAtMs + 1 };
    expect(plan({}, 1, late)).toEqual({
      outcome: 'expired',
      messages: [
        { atMs: 0, kind: 'ack', copy: 'original', deviceId: 'pump-1', body: {} },
        {
          atMs: 0,
          kind: 'result',
          copy: 'original',
          deviceId: 'pump-1',
          body: {
            status: 'failed',
            error: expect.stringMatching(/^not executed: the command expired at .* 1 ms late/),
          },
        },
      ],
    });
    expect(plan({ refuseExpired: false }, 1, late).outcome).toBe('answered');
  });
});

describe('adversarial behaviours at rate 1', () => {
  it('silence: no answer', () => {
    expect(plan({ silentRate: 1 })).toEqual({ outcome: 'silent' });
  });

  it('duplicates: 1 to 3 extra copies of both the ack and the result', () => {
    for (let seed = 0; seed < 50; seed++) {
      const kinds = messages(plan({ duplicateRate: 1 }, seed)).map((m) => m.kind);
      const acks = kinds.filter((k) => k === 'ack').length;
      expect(acks).toBeGreaterThanOrEqual(2);
      expect(acks).toBeLessThanOrEqual(4);
      expect(kinds.filter((k) => k === 'result').length).toBe(acks);
    }
  });

  it('no ack: the result only', () => {
    expect(shape(plan({ noAckRate: 1 }))).toEqual(['result:original:pump-1']);
  });

  it('result before ack', () => {
    const p = plan({ resultBeforeAckRate: 1, resultDelayMs: 10 });
    expect(shape(p)).toEqual(['result:original:pump-1', 'ack:original:pump-1']);
    expect(messages(p).map((m) => m.atMs)).toEqual([10, 10]);
  });

  it('failure: a failed result with an error', () => {
    const p = plan({ failureRate: 1 });
    expect(messages(p)[1]?.body).toEqual({
      status: 'failed',
      error: 'simulated failure of set-speed on pump-1',
    });
  });

  it('spoofing: the same answers under another device, before the real ones', () => {
    expect(shape(plan({ spoofRate: 1 }))).toEqual([
      'ack:spoof:pump-2',
      'ack:original:pump-1',
      'result:spoof:pump-2',
      'result:original:pump-1',
    ]);
    const alone = plan({ spoofRate: 1 }, 1, { ...input, peers: ['pump-1'] });
    expect(messages(alone)[0]?.deviceId).toBe('imposter-pump-1');
  });

  it('delays: within delayMaxMs, in publishing order', () => {
    for (let seed = 0; seed < 50; seed++) {
      const at = messages(plan({ delayMaxMs: 100, resultDelayMs: 5 }, seed)).map((m) => m.atMs);
      expect(at[0]).toBeLessThanOrEqual(100);
      expect(at[1]! - at[0]!).toBeGreaterThanOrEqual(5);
      expect(at[1]! - at[0]!).toBeLessThanOrEqual(105);
    }
  });
});

describe('seeded choice', () => {
  const mixed = {
    ...HONEST,
    duplicateRate: 0.3,
    silentRate: 0.2,
    failureRate: 0.3,
    delayMaxMs: 50,
  };
  const run = (seed: number) => {
    const rng = seededRandom(seed);
    return Array.from({ length: 100 }, () => planAnswer(input, mixed, rng));
  };

  it('replays the same choices for the same seed', () => {
    expect(run(42)).toEqual(run(42));
    expect(run(42)).not.toEqual(run(43));
  });

  it('picks behaviours at roughly their rates', () => {
    const plans = run(7).concat(run(8), run(9), run(10));
    const silent = plans.filter((p) => p.outcome === 'silent').length / plans.length;
    expect(silent).toBeGreaterThan(0.1);
    expect(silent).toBeLessThan(0.3);
  });

  it('draws the same amount whatever the rates, so one rate does not reshuffle the others', () => {
    const a = seededRandom(5);
    const b = seededRandom(5);
    planAnswer(input, HONEST, a);
    planAnswer(input, { ...HONEST, silentRate: 1 }, b);
    expect(a.next()).toBe(b.next());
  });
});

describe('resolveBehaviour', () => {
  it('rejects rates outside [0, 1] and negative delays', () => {
    expect(() => resolveBehaviour({ silentRate: 2, delayMaxMs: -1 })).toThrow(
      'silentRate must be in [0, 1]; delayMaxMs must be a whole number of milliseconds ≥ 0',
    );
  });
});
