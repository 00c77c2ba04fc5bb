import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { BehaviourOptions } from '../behaviour/behaviour.options.js';
import type { SimEvent } from '../device/sim-event.js';
import { sleep, testBrokers, uniquePrefix, waitFor, type TestBroker } from '../testing/brokers.js';
import { openTestLedger, type TestLedger } from '../testing/test-ledger.js';
import { startFleet, type Fleet } from './start-fleet.js';
import type { FleetOptions } from './fleet.options.js';

const brokers = await testBrokers();
/** How long "nothing more arrives" is watched for. */
const QUIET_MS = 400;

describe.each(brokers)('a device fleet on $name', ({ start }) => {
  const maybe = start ? it : it.skip;
  let broker: TestBroker;
  let open: { fleet: Fleet; ledger: TestLedger }[] = [];
  beforeAll(async () => {
    if (start) broker = await start();
  });
  afterEach(async () => {
    await Promise.all(open.flatMap(({ fleet, ledger }) => [fleet.close(), ledger.close()]));
    open = [];
  });
  afterAll(async () => broker?.close());

  async function setUp(behaviour: Partial<BehaviourOptions> = {}, options: FleetOptions = {}) {
    const events: SimEvent[] = [];
    const fleet = await startFleet({
      url: broker.url,
      devices: 3,
      prefix: uniquePrefix('sim'),
      seed: 42,
      sessionExpirySeconds: 60, // tidy on the shared Mosquitto
      behaviour,
      onEvent: (e) => events.push(e),
      ...options,
    });
    const ledger = await openTestLedger(broker.url, fleet.deviceIds);
    open.push({ fleet, ledger });
    return { fleet, ledger, events, ids: fleet.deviceIds };
  }

  /** One intent per device; waits until `done` holds for each command. */
  async function oneEach(ledger: TestLedger, ids: readonly string[], done: (n: number) => boolean) {
    const commands = await Promise.all(ids.map((id) => ledger.sendIntent(id)));
    await waitFor(() => commands.every((c) => done(ledger.answersTo(c).length)), 'answers');
    return commands;
  }

  maybe('an honest device acks, then sends one executed result, per intent', async () => {
    const { fleet, ledger, ids, events } = await setUp();
    const commands = await oneEach(ledger, ids, (n) => n >= 2);
    await sleep(QUIET_MS);
    commands.forEach((commandId, i) => {
      expect(ledger.answersTo(commandId)).toEqual([
        { deviceId: ids[i], commandId, kind: 'ack', body: {} },
        {
          deviceId: ids[i],
          commandId,
          kind: 'result',
          body: { status: 'executed', output: { device: ids[i], name: 'set-speed', attempt: 1 } },
        },
      ]);
    });
    expect(fleet.stats().total).toMatchObject({
      intentsReceived: 3,
      acksSent: 3,
      executedResultsSent: 3,
    });
    expect(events.filter((e) => e.type === 'intent')).toHaveLength(3);
  });

  maybe('with duplicate-rate 1, sends more than one ack and more than one result', async () => {
    const { ledger, ids } = await setUp({ duplicateRate: 1 });
    const commands = await oneEach(ledger, ids, (n) => n >= 4);
    await sleep(QUIET_MS);
    for (const c of commands) {
      const kinds = ledger.answersTo(c).map((a) => a.kind);
      expect(kinds.filter((k) => k === 'ack').length).toBeGreaterThan(1);
      expect(kinds.filter((k) => k === 'result').length).toBeGreaterThan(1);
    }
  });

  maybe('with silent-rate 1, answers nothing', async () => {
    const { fleet, ledger, ids } = await setUp({ silentRate: 1 });
    await Promise.all(ids.map((id) => ledger.sendIntent(id)));
    await waitFor(() => fleet.stats().total.intentsReceived === 3, 'the intents to arrive');
    await sleep(QUIET_MS);
    expect(ledger.answers).toEqual([]);
    expect(fleet.stats().total.silentIntents).toBe(3);
  });

  maybe("with spoof-rate 1, also answers under another fleet device's id", async () => {
    const { ledger, ids } = await setUp({ spoofRate: 1 });
    const commands = await oneEach(ledger, ids, (n) => n >= 4);
    commands.forEach((c, i) => {
      const foreign = ledger.answersTo(c).filter((a) => a.deviceId !== ids[i]);
      expect(foreign.map((a) => a.kind).sort()).toEqual(['ack', 'result']);
      expect(ids).toContain(foreign[0]!.deviceId);
    });
  });

  maybe('with failure-rate 1, sends failed results', async () => {
    const { ledger, ids } = await setUp({ failureRate: 1 });
    const commands = await oneEach(ledger, ids, (n) => n >= 2);
    for (const c of commands) {
      expect(ledger.answersTo(c)[1]?.body).toEqual({
        status: 'failed',
        error: expect.stringContaining('simulated failure of set-speed'),
      });
    }
  });

  maybe('ignores an intent that has already expired', async () => {
    const { fleet, ledger, ids } = await setUp();
    await ledger.sendIntent(ids[0]!, { expiresAt: new Date(Date.now() - 1000) });
    await waitFor(() => fleet.stats().total.expiredIgnored === 1, 'the expired intent');
    await sleep(QUIET_MS);
    expect(ledger.answers).toEqual([]);
  });

  maybe('with replay-rate 1, re-publishes old answers after a forced reconnect', async () => {
    const { fleet, ledger, ids, events } = await setUp({ replayRate: 1 }, { devices: 1 });
    const [command] = await oneEach(ledger, ids, (n) => n >= 2);
    await fleet.reconnect();
    await waitFor(() => fleet.stats().total.replaysSent === 2, 'the replays');
    // At least the two replays; mqtt.js may also re-send a QoS 1 answer whose PUBACK the drop
    // lost (at-least-once), so the exact count is not fixed.
    await waitFor(() => ledger.answersTo(command!).length >= 4, 'the replayed answers');
    const kinds = ledger.answersTo(command!).map((a) => a.kind);
    expect(kinds.filter((k) => k === 'ack').length).toBeGreaterThanOrEqual(2);
    expect(kinds.filter((k) => k === 'result').length).toBeGreaterThanOrEqual(2);
    expect(events).toContainEqual({ type: 'connection', connection: 0, state: 'reconnected' });
    // Still subscribed after the reconnect: a new intent is answered.
    await oneEach(ledger, ids, (n) => n >= 2);
  });

  maybe(
    'keeps intents sent while the fleet was away, and ignores those expired meanwhile',
    async () => {
      const { fleet, ledger, ids } = await setUp({}, { devices: 1 });
      const options = { url: broker.url, deviceIds: ids, seed: 42, sessionExpirySeconds: 60 };
      await fleet.close();
      const live = await ledger.sendIntent(ids[0]!);
      const stale = await ledger.sendIntent(ids[0]!, { expiresAt: new Date(Date.now() + 100) });
      await sleep(200);
      const back = await startFleet(options);
      open.push({ fleet: back, ledger });
      await waitFor(() => ledger.answersTo(live).length >= 2, 'answers to the queued intent');
      await waitFor(() => back.stats().total.expiredIgnored === 1, 'the stale intent');
      expect(ledger.answersTo(stale)).toEqual([]);
    },
  );

  maybe('gives each device its own connection when asked', async () => {
    const { fleet, ledger, ids } = await setUp({}, { devicesPerConnection: 1 });
    expect(fleet.connections).toBe(3);
    await oneEach(ledger, ids, (n) => n >= 2);
  });

  maybe('serves 1,000 devices over 10 connections', async () => {
    const { fleet, ledger, ids } = await setUp({}, { devices: 1000 });
    expect(fleet.connections).toBe(10);
    // In batches: Mosquitto queues at most 1,000 messages (max_queued_messages) for a subscriber
    // and drops the rest, and 2,000 answers at once would overflow our one observer.
    for (let i = 0; i < ids.length; i += 250)
      await oneEach(ledger, ids.slice(i, i + 250), (n) => n >= 2);
    expect(fleet.stats().total.executedResultsSent).toBe(1000);
  });

  maybe('sends nothing more once closed, pending answers included', async () => {
    const { fleet, ledger, ids } = await setUp({ resultDelayMs: 200 });
    const [command] = await oneEach(ledger, ids.slice(0, 1), (n) => n >= 1);
    await fleet.close();
    await sleep(QUIET_MS);
    expect(ledger.answersTo(command!).map((a) => a.kind)).toEqual(['ack']);
  });
});
