/**
 * `publishWithin` on Aedes, the publisher behind a TCP proxy that the test cuts or stalls (as
 * a stopped or SIGSTOPped broker would be): it never waits past its bound, and what it gave up
 * is never sent later from mqtt.js's store.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { publishWithin, BrokerUnavailableError } from './bounded-publish.js';
import { connectMqtt } from './client.js';
import type { MqttConnection } from './client-options.js';
import { startEmbeddedBroker, type EmbeddedBroker } from './embedded-broker.js';
import { sleep, uniqueName, waitFor } from './testing/mosquitto.js';
import { startTcpProxy, type TcpProxy } from './testing/tcp-proxy.js';

describe('publishWithin (Aedes behind a TCP proxy)', () => {
  let broker: EmbeddedBroker;
  let proxy: TcpProxy;
  let publisher: MqttConnection;
  let watcher: MqttConnection;
  const received: string[] = [];

  beforeAll(async () => {
    broker = await startEmbeddedBroker({ port: 0 });
    proxy = await startTcpProxy(broker.port);
    watcher = await connectMqtt({ url: broker.url, clientId: uniqueName('watcher') });
    watcher.client.on('message', (topic) => received.push(topic));
    await watcher.client.subscribeAsync('bounded/#', { qos: 1 });
    publisher = await connectMqtt({
      url: proxy.url,
      clientId: uniqueName('publisher'),
      reconnectPeriodMs: 50,
    });
  });
  afterEach(async () => {
    proxy.resume();
    proxy.restore();
    await waitFor(() => publisher.client.connected, 'publisher reconnected', 5_000);
  });
  afterAll(async () => {
    await publisher?.close(true);
    await watcher?.close(true);
    await proxy?.close();
    await broker?.close();
  });

  it('resolves on the PUBACK', async () => {
    await publishWithin(publisher.client, 'bounded/ok', 'x', { qos: 1 }, 2_000);
    await waitFor(() => received.includes('bounded/ok'), 'delivered', 2_000);
  });

  it('refuses at once while disconnected, and sends nothing after the reconnect', async () => {
    proxy.cut();
    await waitFor(() => !publisher.client.connected, 'publisher disconnected', 5_000);
    const started = Date.now();
    await expect(
      publishWithin(publisher.client, 'bounded/offline', 'x', { qos: 1 }, 5_000),
    ).rejects.toBeInstanceOf(BrokerUnavailableError);
    expect(Date.now() - started).toBeLessThan(100);
    proxy.restore();
    await waitFor(() => publisher.client.connected, 'publisher reconnected', 5_000);
    await sleep(500);
    expect(received).not.toContain('bounded/offline');
  });

  it('gives up after its bound on a stalled broker, and the message is not sent after the reconnect', async () => {
    proxy.stall();
    const started = Date.now();
    await expect(
      publishWithin(publisher.client, 'bounded/stalled', 'x', { qos: 1 }, 300),
    ).rejects.toThrow(/no PUBACK within 300 ms/);
    expect(Date.now() - started).toBeLessThan(1_000);
    // The broker "wakes up" only after the connection was dropped: a new session, mqtt.js
    // would now resend its outgoing store.
    proxy.cut();
    await waitFor(() => !publisher.client.connected, 'publisher disconnected', 5_000);
    proxy.resume();
    proxy.restore();
    await waitFor(() => publisher.client.connected, 'publisher reconnected', 5_000);
    await sleep(500);
    expect(received).not.toContain('bounded/stalled');
  });

  it('gives up when the connection closes before the PUBACK', async () => {
    proxy.stall();
    const attempt = publishWithin(publisher.client, 'bounded/closed', 'x', { qos: 1 }, 10_000);
    await sleep(50);
    proxy.cut();
    await expect(attempt).rejects.toThrow(/connection closed before the PUBACK/);
    proxy.resume();
    proxy.restore();
    await waitFor(() => publisher.client.connected, 'publisher reconnected', 5_000);
    await sleep(500);
    expect(received).not.toContain('bounded/closed');
  });
});
