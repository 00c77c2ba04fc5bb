import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import net from 'node:net';
import { connectMqtt, MqttConnectError } from './client.js';
import type { MqttConnection } from './client-options.js';
import { startEmbeddedBroker, type EmbeddedBroker } from './embedded-broker.js';
import { MOSQUITTO_URL, requireMosquitto, uniqueName } from './testing/mosquitto.js';
import { startPrivateMosquitto } from './testing/private-mosquitto.js';

const haveMosquitto = await requireMosquitto();
const describeMosquitto = haveMosquitto ? describe : describe.skip;

/** QoS 1 publish → echo → QoS 1 back, `n` times in sequence; returns the median in ms. */
async function medianRoundTripMs(url: string, n: number): Promise<number> {
  const topic = uniqueName('rt');
  const echo = await connectMqtt({ url, protocol: 4 });
  const caller = await connectMqtt({ url, protocol: 4 });
  try {
    echo.client.on('message', (t, payload) => {
      if (t === `${topic}/ping`) echo.client.publish(`${topic}/pong`, payload, { qos: 1 });
    });
    await echo.client.subscribeAsync(`${topic}/ping`, { qos: 1 });
    await caller.client.subscribeAsync(`${topic}/pong`, { qos: 1 });
    const times: number[] = [];
    for (let i = 0; i < n; i++) {
      const back = new Promise<void>((resolve) => caller.client.once('message', () => resolve()));
      const start = process.hrtime.bigint();
      caller.client.publish(`${topic}/ping`, String(i), { qos: 1 });
      await back;
      times.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
    times.sort((a, b) => a - b);
    return times[Math.floor(n / 2)]!;
  } finally {
    await Promise.all([echo.close(), caller.close()]);
  }
}

describeMosquitto('connectMqtt against Mosquitto (MQTT 5 capable)', () => {
  it("negotiates MQTT 5 with protocol 'auto' and reports shared subscriptions and expiry", async () => {
    const c = await connectMqtt({ url: MOSQUITTO_URL });
    try {
      expect(c.protocolVersion).toBe(5);
      expect(c.capabilities).toMatchObject({ sharedSubscriptions: true, messageExpiry: true });
      expect(c.client.connected).toBe(true);
    } finally {
      await c.close();
    }
  });

  it('uses 3.1.1 when asked to', async () => {
    const c = await connectMqtt({ url: MOSQUITTO_URL, protocol: 4 });
    try {
      expect(c.protocolVersion).toBe(4);
      expect(c.capabilities.sharedSubscriptions).toBe(false);
    } finally {
      await c.close();
    }
  });

  it('keeps QoS 1 round trips far below the 40 ms Nagle delay (broker with set_tcp_nodelay)', async () => {
    // The broker must disable Nagle too; the shared test broker's configuration may not.
    const mosquitto = await startPrivateMosquitto(['set_tcp_nodelay true']);
    try {
      expect(await medianRoundTripMs(mosquitto.url, 40)).toBeLessThan(20);
    } finally {
      await mosquitto.stop();
    }
  });
});

describe('connectMqtt against the embedded Aedes broker (no MQTT 5)', () => {
  let broker: EmbeddedBroker;
  beforeAll(async () => {
    broker = await startEmbeddedBroker({ port: 0 });
  });
  afterAll(() => broker.close());

  it("falls back to 3.1.1 with protocol 'auto'", async () => {
    let clients = 0;
    const c: MqttConnection = await connectMqtt({ url: broker.url, prepare: () => clients++ });
    try {
      expect(c.protocolVersion).toBe(4);
      expect(c.capabilities).toMatchObject({ sharedSubscriptions: false, messageExpiry: false });
      expect(clients).toBe(2); // the refused v5 client, then the 3.1.1 one
    } finally {
      await c.close();
    }
  });

  it('fails with a clear error when MQTT 5 is required', async () => {
    const attempt = connectMqtt({ url: broker.url, protocol: 5 });
    await expect(attempt).rejects.toThrow(MqttConnectError);
    await expect(attempt).rejects.toThrow(/MQTT 5.*Unacceptable protocol version/);
  });

  it('keeps QoS 1 round trips far below the 40 ms Nagle delay', async () => {
    expect(await medianRoundTripMs(broker.url, 40)).toBeLessThan(20);
  });

  it('reconnects by itself after the connection drops', async () => {
    const c = await connectMqtt({ url: broker.url, reconnectPeriodMs: 50 });
    try {
      const reconnected = new Promise<void>((resolve) => c.client.once('connect', () => resolve()));
      c.client.stream.destroy();
      await reconnected;
      expect(c.client.connected).toBe(true);
    } finally {
      await c.close();
    }
  });
});

describe('connectMqtt when nothing listens', () => {
  it('rejects naming the broker but not the credentials', async () => {
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    await new Promise<void>((r) => server.close(() => r()));
    const attempt = connectMqtt({ url: `mqtt://ledger:s3cret@127.0.0.1:${port}` });
    await expect(attempt).rejects.toThrow(`mqtt://127.0.0.1:${port}`);
    await expect(attempt).rejects.not.toThrow(/s3cret/);
  });
});
