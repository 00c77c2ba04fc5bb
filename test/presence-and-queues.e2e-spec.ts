/**
 * Devices that come and go (CONTRACT.md rules 8–10, section 5), through the whole service over
 * HTTP and MQTT: presence on the device stream with the epoch rule, commands that wait for an
 * offline device, per-device queues with supersede, and republish on reconnect. Run on the
 * embedded default (PGlite + Aedes, one instance) and on PostgreSQL + Mosquitto with two
 * instances (shared subscriptions: a device's messages reach either instance).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import type { MqttClient } from 'mqtt';
import { type TestDatabase, createTestDatabase } from '@ratchet/event-store/testing';
import { type PrivateMosquitto, startPrivateMosquitto } from '@ratchet/mqtt/testing';
import {
  type TestLedger,
  connectDevice,
  eventually,
  startTestLedger,
} from './support/ledger-harness.js';
import { postgresAndMosquitto } from './support/services.js';

const withServers = await postgresAndMosquitto();

interface Setup {
  readonly ledgers: TestLedger[];
  readonly mqttUrl: string;
  readonly protocol: 4 | 5;
  stop(): Promise<void>;
}

const LONG = { LEDGER_ACK_TIMEOUT_MS: '600000', LEDGER_TIMEOUT_MS: '600000' };

async function embedded(): Promise<Setup> {
  const ledger = await startTestLedger(LONG);
  return { ledgers: [ledger], mqttUrl: ledger.mqttUrl, protocol: 4, stop: () => ledger.stop() };
}

async function twoInstances(): Promise<Setup> {
  const db: TestDatabase = await createTestDatabase('e2e_presence');
  const broker: PrivateMosquitto = await startPrivateMosquitto(['set_tcp_nodelay true']);
  const env = {
    ...LONG,
    LEDGER_STORE: 'postgres',
    DATABASE_URL: db.url,
    MQTT_URL: broker.url,
    MQTT_SHARED_GROUP: `g${randomUUID().slice(0, 8)}`,
  };
  const ledgers = [await startTestLedger(env), await startTestLedger(env)];
  return {
    ledgers,
    mqttUrl: broker.url,
    protocol: 5,
    stop: async () => {
      await Promise.allSettled(ledgers.map((l) => l.stop()));
      await broker.stop();
      await db.drop();
    },
  };
}

const SETUPS: [string, () => Promise<Setup>][] = [['PGlite + Aedes, one instance', embedded]];
if (withServers) SETUPS.push(['PostgreSQL + Mosquitto, two instances', twoInstances]);

describe.each(SETUPS)('devices that come and go (%s)', (_name, setUp) => {
  let setup: Setup;
  let device: MqttClient;
  const intents: { deviceId: string; commandId: string; at: number }[] = [];

  beforeAll(async () => {
    setup = await setUp();
    device = await connectDevice(setup.mqttUrl, setup.protocol);
    await device.subscribeAsync('devices/+/commands/+', { qos: 1 });
    device.on('message', (topic, payload) => {
      const [, deviceId, , commandId] = topic.split('/');
      if (!topic.endsWith('/presence'))
        intents.push({ deviceId: deviceId!, commandId: commandId!, at: Date.now() });
      void payload;
    });
  }, 120_000);
  afterAll(async () => {
    await device?.endAsync(true);
    await setup?.stop();
  }, 120_000);

  /** Round robin: consecutive calls go to different instances. */
  let turn = 0;
  const http = (method: string, path: string, body?: unknown) =>
    setup.ledgers[turn++ % setup.ledgers.length]!.http(method, path, body);
  const issue = async (body: Record<string, unknown>) => {
    const res = await http('POST', '/commands', { name: 'set-speed', ...body });
    expect(res.status).toBe(201);
    return res.body.commandId as string;
  };
  const command = async (id: string) => (await http('GET', `/commands/${id}`)).body;
  const until = (id: string, status: string) =>
    eventually(
      async () => {
        const c = await command(id);
        return c.status === status ? c : undefined;
      },
      `${id} ${status}`,
      20_000,
    );
  const presence = (deviceId: string, online: boolean, epoch: number) =>
    device.publishAsync(`devices/${deviceId}/presence`, JSON.stringify({ online, epoch }), {
      qos: 1,
      retain: true,
    });
  const deviceView = async (deviceId: string) => (await http('GET', `/devices/${deviceId}`)).body;
  const presenceIs = (deviceId: string, status: string, epoch: number) =>
    eventually(async () => {
      const d = await deviceView(deviceId);
      return d.presence?.status === status && d.presence.epoch === epoch ? d : undefined;
    }, `${deviceId} ${status} at ${epoch}`);
  const result = (deviceId: string, id: string) =>
    device.publishAsync(
      `devices/${deviceId}/commands/${id}/result`,
      JSON.stringify({ status: 'executed' }),
      { qos: 1 },
    );
  const intentsFor = (deviceId: string) =>
    intents.filter((i) => i.deviceId === deviceId).map((i) => i.commandId);
  const metric = async (name: string) => {
    let sum = 0;
    for (const l of setup.ledgers) {
      const text = (await l.http('GET', '/metrics')).body as string;
      for (const line of text.split('\n'))
        if (line.startsWith(name)) sum += Number(line.split(' ').at(-1));
    }
    return sum;
  };
  const settle = () => new Promise((r) => setTimeout(r, 1_500));
  const unique = (name: string) => `${name}-${randomUUID().slice(0, 6)}`;

  it('records presence by the epoch rule; stale messages are counted, never applied', async () => {
    const d = unique('presence');
    await presence(d, true, 5);
    const online = await presenceIs(d, 'online', 5);
    expect(online).toMatchObject({ deviceId: d, total: 0, waiting: 0 });
    const staleBefore = await metric('ratchet_presence_stale_total');
    await presence(d, false, 4); // an old will, late
    await presence(d, true, 3); // a replayed birth
    await eventually(
      async () =>
        (await metric('ratchet_presence_stale_total')) >= staleBefore + 2 ? true : undefined,
      'two stale messages counted',
    );
    expect((await deviceView(d)).presence).toMatchObject({ status: 'online', epoch: 5 });
    await presence(d, false, 5);
    const offline = await presenceIs(d, 'offline', 5);
    expect(Date.parse(offline.presence.since)).toBeGreaterThanOrEqual(
      Date.parse(online.presence.since),
    );
    expect((await http('GET', `/devices/${unique('never')}`)).status).toBe(404);
  });

  it('waits for an offline device (when_online), sends at once when unknown or immediate, and in order on return', async () => {
    const d = unique('waits');
    await presence(d, true, 1);
    await presence(d, false, 1);
    await presenceIs(d, 'offline', 1);
    const first = await issue({ deviceId: d });
    const second = await issue({ deviceId: d, delivery: 'when_online' });
    const urgent = await issue({ deviceId: d, delivery: 'immediate' });
    await until(urgent, 'sent');
    await settle();
    expect(await command(first)).toMatchObject({
      status: 'requested',
      waiting: { reason: 'device_offline' },
      delivery: 'when_online',
    });
    expect(intentsFor(d)).toEqual([urgent]);
    expect(await deviceView(d)).toMatchObject({ waiting: 2 });
    const listed = await eventually(async () => {
      const page = (await http('GET', `/devices/${d}/commands`)).body;
      return page.items?.length === 3 ? page.items : undefined;
    }, 'the three commands listed');
    expect(
      listed.map((c: { commandId: string; waiting: unknown }) => [c.commandId, c.waiting]),
    ).toEqual([
      [urgent, null],
      [second, { reason: 'device_offline' }],
      [first, { reason: 'device_offline' }],
    ]);
    // A device that never reported a presence is sent to at once (version-1 devices).
    const v1 = await issue({ deviceId: unique('v1') });
    await until(v1, 'sent');
    // Back at a new epoch: the immediate one, sent into the void, is published again first;
    // then the waiting commands go out, in the order they were accepted.
    await presence(d, true, 2);
    await until(first, 'sent');
    await until(second, 'sent');
    await eventually(async () => (intentsFor(d).length >= 4 ? true : undefined), 'four intents');
    expect(intentsFor(d)).toEqual([urgent, urgent, first, second]);
    expect((await command(first)).waiting).toBeNull();
  });

  it('sends a queue one at a time, in acceptance order, the next only once the previous ended', async () => {
    const d = unique('queue');
    await presence(d, true, 1);
    await presenceIs(d, 'online', 1);
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push(await issue({ deviceId: d, queue: { key: 'motor' } }));
    const free = await issue({ deviceId: d }); // no key: not held back by keyed ones
    await until(free, 'sent');
    await until(ids[0]!, 'sent');
    await settle();
    expect(await command(ids[1]!)).toMatchObject({
      status: 'requested',
      waiting: { reason: 'queued', behind: ids[0] },
      queue: { key: 'motor', supersede: false },
    });
    expect(await command(ids[2]!)).toMatchObject({ waiting: { reason: 'queued', behind: ids[1] } });
    for (let i = 0; i < 4; i++) {
      await until(ids[i]!, 'sent');
      const sentKeyed = intentsFor(d).filter((id) => ids.includes(id));
      expect(sentKeyed).toEqual(ids.slice(0, i + 1));
      await result(d, ids[i]!);
      await until(ids[i]!, 'executed');
    }
  });

  it('supersede cancels the waiting commands of its key, never one already sent', async () => {
    const d = unique('supersede');
    await presence(d, true, 1);
    await presenceIs(d, 'online', 1);
    const running = await issue({ deviceId: d, queue: { key: 'fw' } });
    await until(running, 'sent');
    const old1 = await issue({ deviceId: d, queue: { key: 'fw' } });
    const old2 = await issue({ deviceId: d, queue: { key: 'fw' } });
    const other = await issue({ deviceId: d, queue: { key: 'valve' } });
    const latest = await issue({ deviceId: d, queue: { key: 'fw', supersede: true } });
    for (const old of [old1, old2])
      expect(await until(old, 'cancelled')).toMatchObject({ supersededBy: latest });
    expect(await command(running)).toMatchObject({ status: 'sent', supersededBy: null });
    await until(other, 'sent');
    expect((await command(latest)).waiting).toEqual({ reason: 'queued', behind: running });
    const history = (await http('GET', `/commands/${old1}/history`)).body;
    expect(history.events.at(-1)).toMatchObject({
      type: 'CommandCancelled',
      data: { reason: 'superseded', supersededBy: latest },
    });
    await result(d, running);
    await until(latest, 'sent');
    expect(intentsFor(d)).not.toContain(old1);
    expect(intentsFor(d)).not.toContain(old2);
  });

  it('republishes what was sent but not acknowledged when the device returns at a new epoch', async () => {
    const d = unique('republish');
    await presence(d, true, 7);
    await presenceIs(d, 'online', 7);
    const id = await issue({ deviceId: d });
    await until(id, 'sent');
    const before = await metric('ratchet_intents_republished_total');
    await presence(d, false, 7);
    await presenceIs(d, 'offline', 7);
    await presence(d, true, 8);
    await eventually(
      async () => (intentsFor(d).filter((x) => x === id).length === 2 ? true : undefined),
      'the intent published again',
    );
    expect(await metric('ratchet_intents_republished_total')).toBeGreaterThanOrEqual(before + 1);
    const history = (await http('GET', `/commands/${id}/history`)).body;
    expect(history.events.filter((e: { type: string }) => e.type === 'CommandSent')).toHaveLength(
      1,
    );
    // The timeout counts from sent (rule 9): nothing about presence moves it.
    expect((await command(id)).status).toBe('sent');
    // The device answers in its new session: the epoch is kept with the event for audit.
    await device.publishAsync(`devices/${d}/commands/${id}/ack`, JSON.stringify({ epoch: 8 }), {
      qos: 1,
    });
    // Under a shared subscription an ack and a result may reach two instances at once (the
    // result would win and the ack be stale): the result goes once the ack is recorded.
    await until(id, 'acknowledged');
    await device.publishAsync(
      `devices/${d}/commands/${id}/result`,
      JSON.stringify({ status: 'executed', epoch: 8 }),
      { qos: 1 },
    );
    await until(id, 'executed');
    const events = (await http('GET', `/commands/${id}/history`)).body.events as {
      type: string;
      metadata: { epoch?: number };
    }[];
    expect(events.slice(2).map((e) => [e.type, e.metadata.epoch])).toEqual([
      ['CommandAcknowledged', 8],
      ['CommandExecuted', 8],
    ]);
  });

  it('a burst of keyed commands while the device flaps: one in flight per key, in acceptance order, all executed', async () => {
    const d = unique('flaps');
    let epoch = 1;
    await presence(d, true, epoch);
    await presenceIs(d, 'online', epoch);
    const keys = ['motor', 'valve'];
    const accepted: { id: string; key: string }[] = [];
    const inFlight = new Map<string, string>(); // key → command the device is working on
    const answered = new Set<string>();
    const violations: string[] = [];
    const firstSeen: string[] = [];
    const onIntent = (topic: string) => {
      const [, deviceId, , id] = topic.split('/');
      if (deviceId !== d || topic.endsWith('/presence') || answered.has(id!)) return;
      const entry = accepted.find((a) => a.id === id);
      if (!entry) return;
      if (!firstSeen.includes(id!)) firstSeen.push(id!);
      const busy = inFlight.get(entry.key);
      if (busy && busy !== id) violations.push(`${id} arrived while ${busy} of ${entry.key} ran`);
      inFlight.set(entry.key, id!);
      setTimeout(() => {
        answered.add(id!);
        inFlight.delete(entry.key);
        void result(d, id!);
      }, 20);
    };
    device.on('message', onIntent);
    try {
      const flapping = (async () => {
        for (let i = 0; i < 3; i++) {
          await new Promise((r) => setTimeout(r, 150));
          await presence(d, false, epoch);
          await new Promise((r) => setTimeout(r, 150));
          epoch += 1;
          await presence(d, true, epoch);
        }
      })();
      for (let i = 0; i < 12; i++) {
        const key = keys[i % 2]!;
        accepted.push({ id: await issue({ deviceId: d, queue: { key } }), key });
      }
      await flapping;
      for (const { id } of accepted) await until(id, 'executed');
    } finally {
      device.off('message', onIntent);
    }
    expect(violations).toEqual([]);
    for (const key of keys) {
      const order = accepted.filter((a) => a.key === key).map((a) => a.id);
      expect(firstSeen.filter((id) => order.includes(id))).toEqual(order);
    }
  }, 60_000);
});
