import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { IPublishPacket, Packet } from 'mqtt';
import {
  ackAfterHandler,
  type AckAfterHandlerOptions,
  type InboundMessageHandler,
} from './ack-after-handler.js';
import { connectMqtt } from './client.js';
import type { MqttConnection, MqttProtocolVersion } from './client-options.js';
import { startEmbeddedBroker, type EmbeddedBroker } from './embedded-broker.js';
import {
  MOSQUITTO_URL,
  type Deferred,
  deferred,
  requireMosquitto,
  sleep,
  uniqueName,
  waitFor,
} from './testing/mosquitto.js';

const haveMosquitto = await requireMosquitto();

interface Harness {
  readonly sub: MqttConnection;
  readonly pub: MqttConnection;
  readonly topic: string;
  /** Message ids the subscriber has PUBACKed, in order. */
  readonly pubacks: number[];
  readonly calls: IPublishPacket[];
  /** Drops the subscriber's socket and resolves once mqtt.js has reconnected. */
  dropConnection(): Promise<void>;
  close(): Promise<void>;
}

async function harness(
  url: string,
  protocol: MqttProtocolVersion,
  handler: InboundMessageHandler,
  onError?: () => void,
  redeliverOn?: (error: unknown) => boolean,
  pipeline: Pick<AckAfterHandlerOptions, 'concurrency' | 'orderKey'> = {},
): Promise<Harness> {
  const topic = uniqueName('ack-after');
  const pubacks: number[] = [];
  const calls: IPublishPacket[] = [];
  const sub = await connectMqtt({
    url,
    protocol,
    clientId: uniqueName('ack-after-sub'),
    clean: false, // a persistent session is what makes the broker redeliver
    sessionExpirySeconds: 30,
    reconnectPeriodMs: 50,
    prepare: (client) => {
      ackAfterHandler(
        client,
        (t, payload, packet) => {
          calls.push(packet);
          return handler(t, payload, packet);
        },
        {
          ...pipeline,
          ...(onError ? { onError } : {}),
          ...(redeliverOn ? { redeliverOn } : {}),
        },
      );
      client.on('packetsend', (p: Packet) => {
        if (p.cmd === 'puback' && p.messageId !== undefined) pubacks.push(p.messageId);
      });
    },
  });
  await sub.client.subscribeAsync(topic, { qos: 1 });
  const pub = await connectMqtt({ url, protocol });
  return {
    sub,
    pub,
    topic,
    pubacks,
    calls,
    dropConnection: async () => {
      const reconnected = new Promise<void>((resolve) =>
        sub.client.once('connect', () => resolve()),
      );
      sub.client.stream.destroy();
      await reconnected;
    },
    close: async () => {
      await Promise.all([sub.close(true), pub.close()]);
    },
  };
}

function suite(
  broker: string,
  url: () => string,
  protocol: MqttProtocolVersion,
  redeliveryHasDup: boolean,
  concurrency: number,
): void {
  const pipeline = { concurrency };
  it('sends the PUBACK only after the handler has resolved', async () => {
    const gate = deferred();
    const h = await harness(url(), protocol, () => gate.promise, undefined, undefined, pipeline);
    try {
      await h.pub.client.publishAsync(h.topic, 'm1', { qos: 1 });
      await waitFor(() => h.calls.length === 1, 'the handler to start');
      await sleep(150);
      expect(h.pubacks).toEqual([]);
      gate.resolve();
      await waitFor(() => h.pubacks.length === 1, 'the PUBACK');
      expect(h.pubacks).toEqual([h.calls[0]!.messageId]);
    } finally {
      await h.close();
    }
  });

  it('gets a message redelivered when the handler never finished, and withholds a late PUBACK', async () => {
    const stuck = deferred();
    let deliveries = 0;
    const h = await harness(
      url(),
      protocol,
      () => (++deliveries === 1 ? stuck.promise : undefined),
      undefined,
      undefined,
      pipeline,
    );
    try {
      await h.pub.client.publishAsync(h.topic, 'm1', { qos: 1 });
      await waitFor(() => h.calls.length === 1, 'the first delivery');
      await h.dropConnection();
      await waitFor(() => h.calls.length === 2, `${broker} to redeliver after the reconnect`);
      // Aedes 1.2 redelivers without the DUP flag (MQTT 3.1.1 §3.3.1.1 says it must set it).
      expect(h.calls[1]!.dup).toBe(redeliveryHasDup);
      expect(h.calls[1]!.payload.toString()).toBe('m1');
      await waitFor(() => h.pubacks.length === 1, 'the PUBACK of the redelivery');
      // The first handler finishing now must not PUBACK on the new connection.
      stuck.resolve();
      await sleep(150);
      expect(h.pubacks).toHaveLength(1);
      // Acknowledged: another reconnect brings nothing back.
      await h.dropConnection();
      await sleep(300);
      expect(h.calls).toHaveLength(2);
    } finally {
      await h.close();
    }
  });

  it('withholds the PUBACK of a failed message, goes on with the next, and gets the failed one back on reconnect', async () => {
    const failures: unknown[] = [];
    let failedOnce = false;
    const h = await harness(
      url(),
      protocol,
      (_t, payload) => {
        if (payload.toString() === 'poison-once' && !failedOnce) {
          failedOnce = true;
          throw new Error('store unavailable');
        }
      },
      () => failures.push(1),
      undefined,
      pipeline,
    );
    try {
      await h.pub.client.publishAsync(h.topic, 'poison-once', { qos: 1 });
      await h.pub.client.publishAsync(h.topic, 'fine', { qos: 1 });
      await waitFor(() => h.pubacks.length === 1, 'the PUBACK of the second message');
      expect(h.calls.map((p) => p.payload.toString())).toEqual(['poison-once', 'fine']);
      expect(h.pubacks).toEqual([h.calls[1]!.messageId]);
      expect(failures).toHaveLength(1);
      await h.dropConnection();
      await waitFor(() => h.calls.length === 3, `${broker} to redeliver the failed message`);
      expect(h.calls[2]!.payload.toString()).toBe('poison-once');
      await waitFor(() => h.pubacks.length === 2, 'the PUBACK of the redelivery');
    } finally {
      await h.close();
    }
  });

  it('with redeliverOn, a failure it names drops the connection and the message comes back at once', async () => {
    class GaveUp extends Error {}
    let failures = 0;
    const h = await harness(
      url(),
      protocol,
      (_t, payload) => {
        if (payload.toString() === 'outage' && failures++ === 0) throw new GaveUp('store down');
      },
      undefined,
      (e) => e instanceof GaveUp,
      pipeline,
    );
    try {
      await h.pub.client.publishAsync(h.topic, 'outage', { qos: 1 });
      // No one drops the connection here: the failure itself must get the message back.
      await waitFor(() => h.calls.length === 2, `${broker} to redeliver after the failure`, 5_000);
      expect(h.calls[1]!.payload.toString()).toBe('outage');
      await waitFor(() => h.pubacks.length === 1, 'the PUBACK of the redelivery');
    } finally {
      await h.close();
    }
  });

  if (concurrency > 1) pipelineCases(url, protocol, concurrency);
}

/** What only pipelined handling does: overlap, PUBACKs in arrival order, the limit, the key. */
function pipelineCases(
  url: () => string,
  protocol: MqttProtocolVersion,
  concurrency: number,
): void {
  it('handles several messages at once and still sends their PUBACKs in arrival order', async () => {
    const gates = new Map<string, Deferred<void>>();
    const h = await harness(
      url(),
      protocol,
      (_t, payload) => {
        const gate = deferred();
        gates.set(payload.toString(), gate);
        return gate.promise;
      },
      undefined,
      undefined,
      { concurrency },
    );
    try {
      for (const m of ['m1', 'm2', 'm3']) await h.pub.client.publishAsync(h.topic, m, { qos: 1 });
      await waitFor(() => h.calls.length === 3, 'all three handlers to start at once');
      const ids = h.calls.map((p) => p.messageId);
      gates.get('m3')!.resolve();
      await sleep(150);
      expect(h.pubacks).toEqual([]); // m3 is done, but m1 and m2 came first
      gates.get('m1')!.resolve();
      await waitFor(() => h.pubacks.length === 1, 'the PUBACK of m1');
      await sleep(100);
      expect(h.pubacks).toEqual([ids[0]]);
      gates.get('m2')!.resolve();
      await waitFor(() => h.pubacks.length === 3, 'the PUBACKs of m2 and m3');
      expect(h.pubacks).toEqual(ids);
    } finally {
      await h.close();
    }
  });

  it(`starts no more than ${concurrency} handlers until the first is done`, async () => {
    const gates: Array<Deferred<void>> = [];
    const h = await harness(
      url(),
      protocol,
      () => {
        const gate = deferred();
        gates.push(gate);
        return gate.promise;
      },
      undefined,
      undefined,
      { concurrency },
    );
    try {
      const total = concurrency + 2;
      for (let i = 0; i < total; i++) await h.pub.client.publishAsync(h.topic, `m${i}`, { qos: 1 });
      await waitFor(() => h.calls.length === concurrency, `${concurrency} handlers to start`);
      await sleep(150);
      expect(h.calls).toHaveLength(concurrency);
      gates[0]!.resolve();
      await waitFor(() => h.calls.length === concurrency + 1, 'one more to start');
      for (const g of gates) g.resolve();
      await waitFor(() => h.calls.length === total, 'the rest to start');
      for (const g of gates) g.resolve();
      await waitFor(() => h.pubacks.length === total, 'every PUBACK');
      expect(h.pubacks).toEqual(h.calls.map((p) => p.messageId));
    } finally {
      await h.close();
    }
  });

  it('never overlaps two messages with the same order key', async () => {
    let running = 0;
    let overlapped = 0;
    const order: string[] = [];
    const h = await harness(
      url(),
      protocol,
      async (_t, payload) => {
        running += 1;
        if (running > 1) overlapped += 1;
        await sleep(20);
        order.push(payload.toString());
        running -= 1;
      },
      undefined,
      undefined,
      { concurrency, orderKey: () => 'one device' },
    );
    try {
      for (const m of ['a', 'b', 'c', 'd']) await h.pub.client.publishAsync(h.topic, m, { qos: 1 });
      await waitFor(() => h.pubacks.length === 4, 'every PUBACK');
      expect(overlapped).toBe(0);
      expect(order).toEqual(['a', 'b', 'c', 'd']);
    } finally {
      await h.close();
    }
  });
}

(haveMosquitto ? describe : describe.skip)(
  'ackAfterHandler with Mosquitto (MQTT 5, persistent session)',
  () => {
    describe('one at a time', () => suite('Mosquitto', () => MOSQUITTO_URL, 5, true, 1));
    describe('pipelined', () => suite('Mosquitto', () => MOSQUITTO_URL, 5, true, 3));
  },
);

describe('ackAfterHandler with the embedded Aedes broker (MQTT 3.1.1, persistent session)', () => {
  let broker: EmbeddedBroker;
  beforeAll(async () => {
    broker = await startEmbeddedBroker({ port: 0 });
  });
  afterAll(() => broker.close());
  describe('one at a time', () => suite('Aedes', () => broker.url, 4, false, 1));
  describe('pipelined', () => suite('Aedes', () => broker.url, 4, false, 3));
});
