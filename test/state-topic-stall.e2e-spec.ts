/**
 * Issue 11, fault 4: the state-topic projection never holds a transaction open across a broker
 * round trip. With the broker hung (SIGSTOP), an open transaction on PostgreSQL would pin the
 * snapshot horizon, and every reader of the log (the command_status projection that lists
 * commands and feeds the sweeper) would wait behind it. The lag of command_status stays under
 * a second meanwhile, and the states are published once the broker answers again.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import mqtt, { type MqttClient } from 'mqtt';
import { type TestDatabase, createTestDatabase } from '@ratchet/event-store/testing';
import { type PrivateMosquitto, startPrivateMosquitto } from '@ratchet/mqtt/testing';
import { type TestLedger, eventually, startTestLedger } from './support/ledger-harness.js';
import { postgresAndMosquitto } from './support/services.js';

const run = await postgresAndMosquitto();

(run ? describe : describe.skip)(
  'a hung broker and the state topic (PostgreSQL, Mosquitto)',
  () => {
    let db: TestDatabase | undefined;
    let broker: PrivateMosquitto | undefined;
    let ledger: TestLedger | undefined;
    let watcher: MqttClient | undefined;
    afterAll(async () => {
      broker?.resume();
      await watcher?.endAsync(true);
      await ledger?.stop();
      await broker?.stop();
      await db?.drop();
    }, 60_000);

    it('keeps command_status under a second behind the log, and publishes the states afterwards', async () => {
      db = await createTestDatabase('e2e_state_stall');
      broker = await startPrivateMosquitto(['set_tcp_nodelay true']);
      ledger = await startTestLedger({
        LEDGER_STORE: 'postgres',
        DATABASE_URL: db.url,
        MQTT_URL: broker.url,
      });
      const states = new Map<string, string>();
      watcher = await mqtt.connectAsync(broker.url, { protocolVersion: 5 });
      watcher.on('message', (topic, payload) => {
        const { commandId, status } = JSON.parse(payload.toString()) as Record<string, string>;
        if (topic.endsWith('/state')) states.set(commandId!, status!);
      });
      await watcher.subscribeAsync('devices/stall-1/commands/+/state', { qos: 1 });

      broker.pause();
      const lags: number[] = [];
      const ids: string[] = [];
      try {
        for (let i = 0; i < 8; i += 1) {
          const res = await ledger.http('POST', '/commands', { deviceId: 'stall-1', name: 'ping' });
          expect(res.status).toBe(201);
          const id = res.body.commandId as string;
          ids.push(id);
          const issued = Date.now();
          await eventually(
            async () => {
              const list = await ledger!.http('GET', '/commands?deviceId=stall-1&limit=50');
              return (list.body.items as Array<{ commandId: string }>).some(
                (c) => c.commandId === id,
              )
                ? true
                : undefined;
            },
            `${id} in command_status`,
            20_000,
          );
          lags.push(Date.now() - issued);
          await new Promise((r) => setTimeout(r, 500));
        }
      } finally {
        broker.resume();
      }
      expect(Math.max(...lags)).toBeLessThan(1_000);
      // The states held back meanwhile reach the broker after it answers again.
      await eventually(
        async () => (ids.every((id) => states.has(id)) ? true : undefined),
        'every state published after the broker came back',
        30_000,
      );
    }, 120_000);
  },
);
