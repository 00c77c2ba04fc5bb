import { afterEach, describe, expect, it } from '@jest/globals';
import { encodeIntent } from '@ratchet/mqtt';
import { resolveBehaviour, type BehaviourOptions } from '../behaviour/behaviour.options.js';
import type { SimEvent } from './sim-event.js';
import { SimulatedDevice } from './simulated-device.js';

const ID = '0b7e2f0e-3c1a-4f55-9a57-1b0c2d3e4f50';
const NOW = Date.parse('2030-01-01T00:00:00Z');
const intent = (commandId = ID, expiresAt = '2030-01-01T00:05:00.000Z') =>
  encodeIntent({
    commandId,
    name: 'open',
    payload: {},
    attempt: 1,
    issuedAt: expiresAt,
    expiresAt,
  });

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
      publish: (topic, payload) => published.push({ topic, payload: JSON.parse(payload) }),
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
    d.receive(ID, intent());
    expect(published).toEqual([
      { topic: `devices/pump-1/commands/${ID}/ack`, payload: {} },
      {
        topic: `devices/pump-1/commands/${ID}/result`,
        payload: { status: 'executed', output: { device: 'pump-1', name: 'open', attempt: 1 } },
      },
    ]);
    expect(d.stats()).toMatchObject({ intentsReceived: 1, acksSent: 1, executedResultsSent: 1 });
  });

  it('repeats its answer to a redelivered intent without planning anew', () => {
    const { d, published, events } = device();
    d.receive(ID, intent());
    d.receive(ID, intent());
    expect(published).toHaveLength(4);
    expect(d.stats()).toMatchObject({
      intentsReceived: 2,
      duplicateIntents: 1,
      acksSent: 1,
      duplicateAcksSent: 1,
      duplicateResultsSent: 1,
    });
    expect(events.map((e) => e.type === 'intent' && e.duplicate)).toEqual([false, true]);
  });

  it('counts an invalid intent and an expired one, and answers neither', () => {
    const { d, published } = device();
    d.receive(ID, 'nonsense');
    d.receive(ID, intent(ID, '2029-12-31T23:59:59.000Z'));
    expect(published).toEqual([]);
    expect(d.stats()).toMatchObject({ intentsReceived: 2, invalidIntents: 1, expiredIgnored: 1 });
  });

  it('counts spoofs apart from its own answers', () => {
    const { d, published } = device({ spoofRate: 1 });
    d.receive(ID, intent());
    expect(published.filter((p) => p.topic.startsWith('devices/pump-2/'))).toHaveLength(2);
    expect(d.stats()).toMatchObject({ spoofsSent: 2, acksSent: 1, executedResultsSent: 1 });
  });

  it('replays its old answers (not its spoofs) when asked after a reconnect', () => {
    const { d, published } = device({ replayRate: 1, spoofRate: 1 });
    d.receive(ID, intent());
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
    d.receive(ID, intent());
    expect(published).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 60));
    expect(published).toHaveLength(2);
    const other = '1b7e2f0e-3c1a-4f55-9a57-1b0c2d3e4f50';
    d.receive(other, intent(other));
    d.close();
    await new Promise((r) => setTimeout(r, 60));
    expect(published).toHaveLength(3);
  });
});
