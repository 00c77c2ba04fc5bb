import { afterEach, describe, expect, it } from '@jest/globals';
import type { IntentDelivery } from '@ratchet/device';
import { ackTopic, decodeIntent, encodeIntent, resultTopic } from '@ratchet/mqtt';
import { resolveBehaviour, type BehaviourOptions } from '../behaviour/behaviour.options.js';
import type { SimEvent } from './sim-event.js';
import { SimulatedDevice } from './simulated-device.js';

const ID = '0b7e2f0e-3c1a-4f55-9a57-1b0c2d3e4f50';
const NOW = Date.parse('2030-01-01T00:00:00Z');
const EPOCH = 7;
/** What the SDK's link hands over: `seen` says whether its dedupe memory knew the command. */
const intent = (
  commandId = ID,
  expiresAt = '2030-01-01T00:05:00.000Z',
  seen = false,
): IntentDelivery => ({
  deviceId: 'pump-1',
  commandId,
  intent: decodeIntent(
    encodeIntent({
      commandId,
      name: 'open',
      payload: {},
      attempt: 1,
      issuedAt: expiresAt,
      expiresAt,
    }),
  ),
  previous: seen ? { commandId, deviceId: 'pump-1', receivedAt: NOW, epoch: EPOCH } : undefined,
  receivedAt: NOW,
  epoch: EPOCH,
});
const garbage: IntentDelivery = {
  ...intent(),
  intent: { ok: false, reason: 'invalid_json', detail: 'nonsense' },
};

const devices: SimulatedDevice[] = [];
afterEach(() => devices.forEach((d) => d.close()));

function device(b: Partial<BehaviourOptions> = {}) {
  const published: { topic: string; payload: unknown }[] = [];
  const events: SimEvent[] = [];
  const d = new SimulatedDevice({
    id: 'pump-1',
    behaviour: resolveBehaviour(b),
    seed: 1,
    peers: ['pump-1', 'pump-2'],
    publisher: {
      // The SDK's part (its answers go through the link's outbox) is stood in for here.
      answer: (deviceId, commandId, a) => {
        const topic = (a.kind === 'ack' ? ackTopic : resultTopic)(deviceId, commandId);
        const payload = { ...(a.kind === 'ack' ? {} : a.result), epoch: EPOCH };
        published.push({ topic, payload });
        return JSON.stringify(payload);
      },
      publish: (topic, payload) => published.push({ topic, payload: JSON.parse(payload) }),
      epoch: EPOCH,
    },
    onEvent: (e) => events.push(e),
    now: () => NOW,
  });
  devices.push(d);
  return { d, published, events };
}

describe('SimulatedDevice', () => {
  it('answers an intent with an ack, then an executed result, and counts them', () => {
    const { d, published } = device();
    d.receive(intent());
    expect(published).toEqual([
      { topic: `devices/pump-1/commands/${ID}/ack`, payload: { epoch: EPOCH } },
      {
        topic: `devices/pump-1/commands/${ID}/result`,
        payload: {
          status: 'executed',
          output: { device: 'pump-1', name: 'open', attempt: 1 },
          epoch: EPOCH,
        },
      },
    ]);
    expect(d.stats()).toMatchObject({ intentsReceived: 1, acksSent: 1, executedResultsSent: 1 });
  });

  it('repeats its answer to a redelivered intent without planning anew', () => {
    const { d, published, events } = device();
    d.receive(intent());
    d.receive(intent(ID, undefined, true));
    expect(published).toHaveLength(4);
    expect(published[3]).toEqual(published[1]);
    expect(d.stats()).toMatchObject({
      intentsReceived: 2,
      duplicateIntents: 1,
      acksSent: 1,
      duplicateAcksSent: 1,
      duplicateResultsSent: 1,
    });
    expect(events.map((e) => e.type === 'intent' && e.duplicate)).toEqual([false, true]);
  });

  it('ignores an invalid intent, and refuses an expired one as @ratchet/device does', () => {
    const { d, published } = device();
    d.receive(garbage);
    d.receive(intent(ID, '2029-12-31T23:59:59.000Z'));
    expect(published.map((p) => p.payload)).toEqual([
      { epoch: EPOCH },
      {
        status: 'failed',
        error: expect.stringMatching(/^not executed: the command expired at 2029-12-31T23:59:59/),
        epoch: EPOCH,
      },
    ]);
    expect(d.stats()).toMatchObject({
      intentsReceived: 2,
      invalidIntents: 1,
      expiredRefused: 1,
      acksSent: 1,
      failedResultsSent: 1,
    });
  });

  it('counts spoofs apart from its own answers', () => {
    const { d, published } = device({ spoofRate: 1 });
    d.receive(intent());
    expect(published.filter((p) => p.topic.startsWith('devices/pump-2/'))).toHaveLength(2);
    expect(d.stats()).toMatchObject({ spoofsSent: 2, acksSent: 1, executedResultsSent: 1 });
  });

  it('replays its old answers (not its spoofs) when asked after a reconnect', () => {
    const { d, published } = device({ replayRate: 1, spoofRate: 1 });
    d.receive(intent());
    published.length = 0;
    expect(d.replay()).toBe(2);
    expect(published.map((p) => p.topic)).toEqual([
      `devices/pump-1/commands/${ID}/ack`,
      `devices/pump-1/commands/${ID}/result`,
    ]);
    expect(d.stats().replaysSent).toBe(2);
  });

  it('sends a delayed answer later, and nothing once closed', async () => {
    const { d, published } = device({ resultDelayMs: 30 });
    d.receive(intent());
    expect(published).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 60));
    expect(published).toHaveLength(2);
    const other = '1b7e2f0e-3c1a-4f55-9a57-1b0c2d3e4f50';
    d.receive(intent(other));
    d.close();
    await new Promise((r) => setTimeout(r, 60));
    expect(published).toHaveLength(3);
  });
});
