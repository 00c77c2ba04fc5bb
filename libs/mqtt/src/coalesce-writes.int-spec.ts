import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { publishWithin } from './bounded-publish.js';
import { connectMqtt } from './client.js';
import type { MqttConnection } from './client-options.js';
import { startEmbeddedBroker, type EmbeddedBroker } from './embedded-broker.js';
import { uniqueName, waitFor } from './testing/mosquitto.js';

/** Counts the system-call-level writes of a connection's socket (net.Socket's _write/_writev). */
function countWrites(connection: MqttConnection): { readonly count: () => number } {
  const socket = connection.client.stream as unknown as {
    _write: (...args: unknown[]) => unknown;
    _writev?: (...args: unknown[]) => unknown;
  };
  let n = 0;
  const write = socket._write.bind(socket);
  socket._write = (...args) => {
    n += 1;
    return write(...args);
  };
  const writev = socket._writev?.bind(socket);
  if (writev)
    socket._writev = (...args) => {
      n += 1;
      return writev(...args);
    };
  return { count: () => n };
}

describe('coalesceWrites: what one turn of the event loop publishes goes out as one write', () => {
  let broker: EmbeddedBroker;
  let pub: MqttConnection;
  let sub: MqttConnection;
  beforeAll(async () => {
    broker = await startEmbeddedBroker({ port: 0 });
    pub = await connectMqtt({ url: broker.url, protocol: 4 });
    sub = await connectMqtt({ url: broker.url, protocol: 4 });
  });
  afterAll(async () => {
    await Promise.all([pub?.close(), sub?.close()]);
    await broker?.close();
  });

  it('publishes from separate callbacks of one turn (as answers from several connections): one socket write', async () => {
    const topic = uniqueName('coalesce');
    const received: string[] = [];
    sub.client.on('message', (t, payload) => {
      if (t === topic) received.push(payload.toString());
    });
    await sub.client.subscribeAsync(topic, { qos: 1 });
    const writes = countWrites(pub);
    const sent = Array.from({ length: 5 }, (_, i) => `m${i}`);
    // Timers due together run in one timers phase, each its own callback; mqtt-packet alone
    // would write once per callback (it uncorks on the next tick).
    const published = sent.map(
      (m) =>
        new Promise<void>((resolve, reject) =>
          setTimeout(() => {
            publishWithin(pub.client, topic, m, { qos: 1 }, 5_000).then(resolve, reject);
          }, 0),
        ),
    );
    await Promise.all(published);
    await waitFor(() => received.length === sent.length, 'every message');
    expect(received).toEqual(sent);
    expect(writes.count()).toBe(1);
  });

  it('publishes made in separate turns are written separately (nothing waits for company)', async () => {
    const topic = uniqueName('coalesce-apart');
    const writes = countWrites(pub);
    for (let i = 0; i < 3; i++) await publishWithin(pub.client, topic, `m${i}`, { qos: 1 }, 5_000);
    expect(writes.count()).toBe(3);
  });
});
