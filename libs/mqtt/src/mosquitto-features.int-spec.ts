/**
 * The MQTT 5 features the ledger relies on, checked against a real Mosquitto: a shared
 * subscription hands each inbound message to one instance, and an intent's message expiry
 * keeps a broker from delivering it late to a device that was offline.
 */
import { describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { connectMqtt } from './client.js';
import { ACK_FILTER, ackTopic, intentTopic, sharedFilter } from './topics.js';
import {
  MOSQUITTO_URL,
  requireMosquitto,
  sleep,
  uniqueName,
  waitFor,
} from './testing/mosquitto.js';

const haveMosquitto = await requireMosquitto();

(haveMosquitto ? describe : describe.skip)('Mosquitto MQTT 5 features used by the ledger', () => {
  it('a shared subscription delivers each message to exactly one of two members', async () => {
    const group = uniqueName('ledger');
    const deviceId = uniqueName('dev'); // other test runs may publish acks concurrently: count only ours
    const received = new Map<string, string[]>([
      ['a', []],
      ['b', []],
    ]);
    const members = await Promise.all(
      ['a', 'b'].map(async (name) => {
        const m = await connectMqtt({ url: MOSQUITTO_URL, protocol: 5 });
        m.client.on('message', (topic) => {
          if (topic.startsWith(`devices/${deviceId}/`)) received.get(name)!.push(topic);
        });
        await m.client.subscribeAsync(sharedFilter(group, ACK_FILTER), { qos: 1 });
        return m;
      }),
    );
    const pub = await connectMqtt({ url: MOSQUITTO_URL, protocol: 5 });
    try {
      const topics = Array.from({ length: 20 }, () => ackTopic(deviceId, randomUUID()));
      for (const t of topics) await pub.client.publishAsync(t, '{}', { qos: 1 });
      const all = (): string[] => [...received.get('a')!, ...received.get('b')!];
      await waitFor(() => all().length >= topics.length, 'all acks to arrive');
      await sleep(200); // a duplicate would arrive now
      expect(all().sort()).toEqual([...topics].sort());
      expect(received.get('a')!.length).toBeGreaterThan(0);
      expect(received.get('b')!.length).toBeGreaterThan(0);
    } finally {
      await Promise.all([pub.close(), ...members.map((m) => m.close())]);
    }
  });

  it('an intent with a message expiry is not delivered to an offline persistent session after it expired', async () => {
    const deviceId = uniqueName('dev');
    const clientId = uniqueName('device');
    const filter = `devices/${deviceId}/commands/+`;
    const device = {
      url: MOSQUITTO_URL,
      protocol: 5 as const,
      clientId,
      clean: false,
      sessionExpirySeconds: 30,
    };

    const first = await connectMqtt(device);
    await first.client.subscribeAsync(filter, { qos: 1 });
    await first.close(); // offline, session kept

    const expiring = intentTopic(deviceId, randomUUID());
    const lasting = intentTopic(deviceId, randomUUID());
    const pub = await connectMqtt({ url: MOSQUITTO_URL, protocol: 5 });
    await pub.client.publishAsync(expiring, 'short', {
      qos: 1,
      properties: { messageExpiryInterval: 1 },
    });
    await pub.client.publishAsync(lasting, 'long', {
      qos: 1,
      properties: { messageExpiryInterval: 60 },
    });
    await pub.close();
    await sleep(2200);

    const delivered: string[] = [];
    const back = await connectMqtt({
      ...device,
      // Queued messages arrive right after CONNACK: listen before connecting.
      prepare: (client) => client.on('message', (topic) => delivered.push(topic)),
    });
    try {
      await waitFor(() => delivered.includes(lasting), 'the unexpired intent');
      await sleep(300);
      expect(delivered).toEqual([lasting]);
    } finally {
      // Clean start without expiry: remove the session from the shared broker.
      await back.close();
      const cleanup = await connectMqtt({ ...device, clean: true });
      await cleanup.close();
    }
  });
});
