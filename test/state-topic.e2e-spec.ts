import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import type { IPublishPacket, MqttClient } from 'mqtt';
import { type TestDatabase, createTestDatabase } from '@ratchet/event-store/testing';
import { type PrivateMosquitto, startPrivateMosquitto } from '@ratchet/mqtt/testing';
import { type Fleet, startFleet } from '@ratchet/device-sim';
import {
  type TestLedger,
  connectDevice,
  eventually,
  startTestLedger,
} from './support/ledger-harness.js';
import { postgresAndMosquitto } from './support/services.js';

const run = await postgresAndMosquitto();
type State = { commandId: string; status: string; revision: number; at: string };

/** The retained `…/state` topic: a projection of the log, published by two instances in turn. */
(run ? describe : describe.skip)('retained state topic (Mosquitto, MQTT 5, two instances)', () => {
  let db: TestDatabase;
  let broker: PrivateMosquitto;
  let ledgers: TestLedger[] = [];
  let fleet: Fleet;
  let watcher: MqttClient;
  const seen = new Map<string, State[]>();
  const packets: IPublishPacket[] = [];
  const prefix = `st${randomUUID().slice(0, 6)}`;

  beforeAll(async () => {
    db = await createTestDatabase('e2e_state');
    broker = await startPrivateMosquitto(['set_tcp_nodelay true', 'max_queued_messages 0']);
    const env = {
      LEDGER_STORE: 'postgres',
      DATABASE_URL: db.url,
      MQTT_URL: broker.url,
      MQTT_SHARED_GROUP: `g${randomUUID().slice(0, 8)}`,
      LEDGER_STATE_RETENTION_SECONDS: '3600',
    };
    ledgers = [await startTestLedger(env), await startTestLedger(env)];
    fleet = await startFleet({
      url: broker.url,
      devices: 10,
      prefix,
      seed: 3,
      behaviour: { duplicateRate: 0.3 },
    });
    watcher = await connectDevice(broker.url, 5);
    watcher.on('message', (_topic, payload, packet) => {
      packets.push(packet);
      const s = JSON.parse(payload.toString()) as State;
      seen.set(s.commandId, [...(seen.get(s.commandId) ?? []), s]);
    });
    await watcher.subscribeAsync(`devices/+/commands/+/state`, { qos: 1 });
  }, 60_000);

  afterAll(async () => {
    await watcher?.endAsync(true);
    await fleet?.close();
    for (const l of ledgers) await l.stop();
    await broker?.stop();
    await db?.drop();
  }, 60_000);

  it('a watcher sees each command move forward only; a late subscriber gets the latest state, retained', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 60; i++) {
      const res = await ledgers[i % 2]!.http('POST', '/commands', {
        deviceId: `${prefix}-${(i % 10) + 1}`,
        name: 'ping',
      });
      ids.push(res.body.commandId as string);
    }
    await eventually(
      async () =>
        ids.every((id) => seen.get(id)?.some((s) => s.status === 'executed')) ? true : undefined,
      'every state to reach executed',
      30_000,
    );
    const finals = new Map<string, number>();
    for (const id of ids)
      finals.set(id, (await ledgers[0]!.http('GET', `/commands/${id}`)).body.revision as number);
    for (const id of ids) {
      const revisions = seen.get(id)!.map((s) => s.revision);
      // Never older than a state published before (duplicates of the same state are allowed).
      expect(revisions).toEqual([...revisions].sort((a, b) => a - b));
      // The last state is the stream's own (revision 3, or 2 when the ack beat CommandSent).
      expect(seen.get(id)!.at(-1)).toMatchObject({ status: 'executed', revision: finals.get(id) });
    }
    // Published with a message expiry (MQTT 5).
    expect(packets.some((p) => (p.properties?.messageExpiryInterval ?? 0) > 0)).toBe(true);

    const late = await connectDevice(broker.url, 5);
    const retained = new Map<string, State>();
    late.on('message', (_t, payload, packet) => {
      if (packet.retain)
        retained.set(JSON.parse(payload.toString()).commandId, JSON.parse(payload.toString()));
    });
    await late.subscribeAsync(`devices/+/commands/+/state`, { qos: 1 });
    await eventually(
      async () => (ids.every((id) => retained.has(id)) ? true : undefined),
      'retained states',
    );
    for (const id of ids) {
      expect(retained.get(id)).toMatchObject({
        commandId: id,
        status: 'executed',
        revision: finals.get(id),
      });
    }
    await late.endAsync(true);
  }, 60_000);
});
