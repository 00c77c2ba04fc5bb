import { describe, expect, it } from '@jest/globals';
import net from 'node:net';
import { connectMqtt } from './client.js';
import { EmbeddedBrokerPortInUseError, startEmbeddedBroker } from './embedded-broker.js';
import { uniqueName, waitFor } from './testing/mosquitto.js';

describe('embedded Aedes broker', () => {
  it('starts on a free port, relays QoS 1 messages and closes cleanly', async () => {
    const broker = await startEmbeddedBroker({ port: 0 });
    expect(broker.port).toBeGreaterThan(0);
    expect(broker.url).toBe(`mqtt://127.0.0.1:${broker.port}`);
    const sub = await connectMqtt({ url: broker.url });
    const pub = await connectMqtt({ url: broker.url });
    const topic = uniqueName('embedded');
    const got: string[] = [];
    sub.client.on('message', (_t, p) => got.push(p.toString()));
    await sub.client.subscribeAsync(topic, { qos: 1 });
    await pub.client.publishAsync(topic, 'hello', { qos: 1 });
    await waitFor(() => got.length === 1, 'the message');
    expect(got).toEqual(['hello']);

    const dropped = new Promise<void>((resolve) => sub.client.once('close', () => resolve()));
    await broker.close();
    await dropped; // clients are disconnected, not left hanging
    await broker.close(); // idempotent
    await Promise.all([sub.close(true), pub.close(true)]);
    // The port is free again.
    const again = await startEmbeddedBroker({ port: broker.port });
    await again.close();
  });

  it('names the port and both variables when the port is taken', async () => {
    const squatter = net.createServer();
    await new Promise<void>((r) => squatter.listen(0, '127.0.0.1', r));
    const port = (squatter.address() as net.AddressInfo).port;
    try {
      const attempt = startEmbeddedBroker({ port });
      await expect(attempt).rejects.toBeInstanceOf(EmbeddedBrokerPortInUseError);
      await expect(attempt).rejects.toThrow(String(port));
      await expect(attempt).rejects.toThrow(/MQTT_EMBEDDED_PORT/);
      await expect(attempt).rejects.toThrow(/MQTT_URL/);
    } finally {
      await new Promise<void>((r) => squatter.close(() => r()));
    }
  });

  it('refuses MQTT 5 and treats $share/ as a literal filter (why embedded mode is one instance)', async () => {
    const broker = await startEmbeddedBroker({ port: 0 });
    try {
      const c = await connectMqtt({ url: broker.url });
      expect(c.protocolVersion).toBe(4);
      const topic = uniqueName('plain');
      const got: string[] = [];
      c.client.on('message', (t) => got.push(t));
      await c.client.subscribeAsync(`$share/g/${topic}`, { qos: 1 });
      await c.client.subscribeAsync(topic, { qos: 1 }); // control: delivery works
      await c.client.publishAsync(topic, 'x', { qos: 1 });
      await waitFor(() => got.length >= 1, 'the control delivery');
      await new Promise((r) => setTimeout(r, 150));
      expect(got).toEqual([topic]);
      await c.close();
    } finally {
      await broker.close();
    }
  });
});
