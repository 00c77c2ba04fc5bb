/**
 * The sweeper keeps converging when something is wrong around it: a stream it cannot fold
 * (issue 11, fault 3) and a broker that is away (fault 2).
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import { EVENT_STORE, type EventStore } from '@ratchet/event-store';
import {
  requireMosquitto,
  startPrivateMosquitto,
  type PrivateMosquitto,
} from '@ratchet/mqtt/testing';
import { type TestLedger, eventually, startTestLedger } from './support/ledger-harness.js';

const SWEEP_MS = 250;
const TERMINAL = new Set(['executed', 'failed', 'timed_out', 'cancelled', 'expired']);

async function statusOf(ledger: TestLedger, id: string): Promise<string> {
  return (await ledger.http('GET', `/commands/${id}`)).body.status as string;
}

/** When the terminal event was recorded, from the stream itself. */
async function closedAt(ledger: TestLedger, id: string): Promise<number> {
  const { events } = (await ledger.http('GET', `/commands/${id}/history`)).body as {
    events: Array<{ type: string; recordedAt: string }>;
  };
  const last = events.find((e) => ['CommandTimedOut', 'CommandExpired'].includes(e.type));
  if (!last) throw new Error(`${id} has no timeout or expiry: ${events.map((e) => e.type)}`);
  return Date.parse(last.recordedAt);
}

describe('a stream the sweeper cannot fold', () => {
  let ledger: TestLedger | undefined;
  afterAll(async () => ledger?.stop());

  it('is skipped, counted and logged once; every other due command is handled', async () => {
    ledger = await startTestLedger({
      LEDGER_SWEEP_INTERVAL_MS: String(SWEEP_MS),
      LEDGER_REDISPATCH_AFTER_MS: '300',
    });
    const issue = async (ackTimeoutMs: number) => {
      const res = await ledger!.http('POST', '/commands', {
        deviceId: 'nobody-home',
        name: 'ping',
        ackTimeoutMs,
      });
      expect(res.status).toBe(201);
      return res.body.commandId as string;
    };
    // Due first, so that it leads every sweep; then more than one chunk of others.
    const bad = await issue(200);
    await eventually(
      async () => ((await statusOf(ledger!, bad)) === 'sent' ? true : undefined),
      'sent',
    );
    // A newer version's event (a rolling upgrade): this version cannot fold the stream.
    const store = ledger.app.get<EventStore>(EVENT_STORE);
    await store.append(
      `command-${bad}`,
      [{ id: randomUUID(), type: 'CommandRescheduledByNewerVersion', data: {} }],
      1n,
    );
    // A command whose instance died before publishing it: only a sweep's re-dispatch sends it.
    const [requested] = await store.readStream(`command-${bad}`);
    const orphan = randomUUID();
    await store.append(
      `command-${orphan}`,
      [
        {
          id: randomUUID(),
          type: 'CommandRequested',
          data: {
            ...requested!.data,
            commandId: orphan,
            rootCommandId: orphan,
            requestedAt: new Date().toISOString(),
            expiresInMs: 60_000,
            ackTimeoutMs: 60_000,
          },
        },
      ],
      'no_stream',
    );
    const others = await Promise.all(Array.from({ length: 20 }, () => issue(1_500)));
    await eventually(
      async () => {
        const statuses = await Promise.all(others.map((id) => statusOf(ledger!, id)));
        return statuses.every((s) => s === 'timed_out') ? true : undefined;
      },
      'every other command timed out',
      30_000,
    );
    await eventually(
      async () => ((await statusOf(ledger!, orphan)) === 'sent' ? true : undefined),
      'the orphan re-dispatched',
      10_000,
    );
    const metrics = (await ledger.http('GET', '/metrics')).body as string;
    const skipped = /ratchet_sweep_skipped_total\{reason="corrupt_stream"\} (\d+)/.exec(metrics);
    expect(Number(skipped?.[1] ?? 0)).toBeGreaterThan(1);
  }, 60_000);
});

describe('a broker outage', () => {
  let broker: PrivateMosquitto | undefined;
  let ledger: TestLedger | undefined;
  let device: MqttClient | undefined;
  afterAll(async () => {
    await device?.endAsync(true);
    await ledger?.stop();
    await broker?.stop();
  });

  it('never stops the sweeps, and no intent reaches a device after its expiresAt', async () => {
    if (!(await requireMosquitto())) return;
    broker = await startPrivateMosquitto(['set_tcp_nodelay true']);
    const port = broker.port;
    ledger = await startTestLedger({
      MQTT_URL: broker.url,
      LEDGER_SWEEP_INTERVAL_MS: String(SWEEP_MS),
      LEDGER_REDISPATCH_AFTER_MS: '500',
    });
    // A device with a session that outlives the outage; it never answers.
    const intents: Array<{ commandId: string; expiresAt: number; receivedAt: number }> = [];
    device = await mqtt.connectAsync(broker.url, {
      protocolVersion: 5,
      clientId: `outage-device-${randomUUID().slice(0, 8)}`,
      reconnectPeriod: 100,
    });
    device.on('message', (_topic, payload) => {
      const intent = JSON.parse(payload.toString()) as { commandId: string; expiresAt: string };
      intents.push({ ...intent, expiresAt: Date.parse(intent.expiresAt), receivedAt: Date.now() });
    });
    device.on(
      'connect',
      () => void device!.subscribeAsync('devices/silent-1/commands/+', { qos: 1 }),
    );
    await device.subscribeAsync('devices/silent-1/commands/+', { qos: 1 });

    const issue = async (body: Record<string, unknown>) => {
      const res = await ledger!.http('POST', '/commands', {
        deviceId: 'silent-1',
        name: 'ping',
        ...body,
      });
      expect(res.status).toBe(201);
      return { id: res.body.commandId as string, at: Date.now() };
    };
    // Sent before the outage, with an ack deadline that falls due during it.
    const sent = await Promise.all([1, 2, 3].map(() => issue({ ackTimeoutMs: 4_000 })));
    for (const c of sent) {
      await eventually(
        async () => ((await statusOf(ledger!, c.id)) === 'sent' ? true : undefined),
        'sent',
      );
    }

    await broker.stop();
    // Requested during the outage and left there past the re-dispatch delay: the sweep's
    // re-dispatch used to wait on mqtt.js's offline store until the broker came back.
    const waiting = await issue({ expiresInMs: 120_000 });
    await new Promise((r) => setTimeout(r, 1_500));
    const expiring = await Promise.all([1, 2, 3].map(() => issue({ expiresInMs: 2_500 })));

    const allowance = 2 * SWEEP_MS + 1_000; // two sweeps, and a second for a loaded machine
    for (const c of sent) {
      const sentAt = Date.parse(
        ((await ledger.http('GET', `/commands/${c.id}`)).body as { sentAt: string }).sentAt,
      );
      await eventually(
        async () => ((await statusOf(ledger!, c.id)) === 'timed_out' ? true : undefined),
        `${c.id} timed out while the broker is down`,
        15_000,
      );
      expect((await closedAt(ledger, c.id)) - (sentAt + 4_000)).toBeLessThan(allowance);
    }
    for (const c of expiring) {
      await eventually(
        async () => ((await statusOf(ledger!, c.id)) === 'expired' ? true : undefined),
        `${c.id} expired while the broker is down`,
        15_000,
      );
      expect((await closedAt(ledger, c.id)) - (c.at + 2_500)).toBeLessThan(allowance);
    }
    expect(await statusOf(ledger, waiting.id)).toBe('requested');

    // The broker comes back (a new one on the same port: no session kept).
    broker = await startPrivateMosquitto(['set_tcp_nodelay true'], port);
    await eventually(
      async () => ((await statusOf(ledger!, waiting.id)) === 'sent' ? true : undefined),
      'the waiting command sent after the outage',
      20_000,
    );
    await new Promise((r) => setTimeout(r, 1_500));
    const late = intents.filter((i) => i.receivedAt > i.expiresAt);
    expect(late).toEqual([]);
    const expiredIds = new Set(expiring.map((c) => c.id));
    expect(intents.filter((i) => expiredIds.has(i.commandId))).toEqual([]);
    expect(intents.map((i) => i.commandId)).toContain(waiting.id);
    expect(TERMINAL.has(await statusOf(ledger, sent[0]!.id))).toBe(true);
  }, 90_000);
});
