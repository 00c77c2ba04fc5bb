import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { BehaviourOptions } from '../behaviour/behaviour.options.js';
import type { SimEvent } from '../device/sim-event.js';
import {
  openTestLedger,
  testBrokers,
  uniquePrefix,
  type TestBroker,
  type TestLedger,
} from '@ratchet/device/testing';
import { sleep, waitFor } from '@ratchet/mqtt/testing';
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

  async function setUp(
    behaviour: Partial<BehaviourOptions> = {},
    options: FleetOptions = {},
    watchPresence = true,
  ) {
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
    const ledger = await openTestLedger(broker.url, fleet.deviceIds, { watchPresence });
    open.push({ fleet, ledger });
    return { fleet, ledger, events, ids: fleet.deviceIds };
  }

  /** One intent per device; waits until `done` holds for each command. */
  async function oneEach(
    ledger: TestLedger,
    ids: readonly string[],
    done: (n: number) => boolean,
    timeoutMs = 5000,
  ) {
    const commands = await Promise.all(ids.map((id) => ledger.sendIntent(id)));
    await waitFor(
      () => commands.every((c) => done(ledger.answersTo(c).length)),
      'answers',
      timeoutMs,
    );
    return commands;
  }

  maybe('an honest device acks, then sends one executed result, per intent', async () => {
    const { fleet, ledger, ids, events } = await setUp();
    const commands = await oneEach(ledger, ids, (n) => n >= 2);
    await sleep(QUIET_MS);
    commands.forEach((commandId, i) => {
      const epoch = ledger.presenceOf(ids[i]!)[0]!.epoch;
      expect(ledger.answersTo(commandId)).toEqual([
        { deviceId: ids[i], commandId, kind: 'ack', body: { epoch } },
        {
          deviceId: ids[i],
          commandId,
          kind: 'result',
          body: {
            status: 'executed',
            output: { device: ids[i], name: 'set-speed', attempt: 1 },
            epoch,
          },
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
        epoch: expect.any(Number),
      });
    }
  });

  maybe('refuses an intent that has already expired: an ack, then failed saying why', async () => {
    const { fleet, ledger, ids } = await setUp();
    const late = await ledger.sendIntent(ids[0]!, { expiresAt: new Date(Date.now() - 1000) });
    await waitFor(() => ledger.answersTo(late).length === 2, 'the refusal');
    expect(fleet.stats().total.expiredRefused).toBe(1);
    expect(ledger.answersTo(late)[1]!.body).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/^not executed: the command expired at .*, before it arrived/),
    });
    await sleep(QUIET_MS);
    expect(ledger.answers).toHaveLength(2);
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
    'keeps intents sent while the fleet was away, and refuses those expired meanwhile',
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
      await waitFor(() => ledger.answersTo(stale).length >= 2, 'the refusal of the stale intent');
      expect(back.stats().total).toMatchObject({ expiredRefused: 1, executedResultsSent: 1 });
      expect(ledger.answersTo(stale)[1]!.body).toMatchObject({ status: 'failed' });
    },
  );

  maybe('gives each device its own connection when asked', async () => {
    const { fleet, ledger, ids } = await setUp({}, { devicesPerConnection: 1 });
    expect(fleet.connections).toBe(3);
    await oneEach(ledger, ids, (n) => n >= 2);
  });

  maybe('serves 1,000 devices over 10 connections', async () => {
    // Answers only: 1,000 retained births on subscribing would fill Mosquitto's queue of 1,000
    // for the observer, and the answers after them would be dropped.
    const { fleet, ledger, ids } = await setUp({}, { devices: 1000 }, false);
    expect(fleet.connections).toBe(10);
    // In batches: Mosquitto queues at most 1,000 messages (max_queued_messages) for a subscriber
    // and drops the rest, and 2,000 answers at once would overflow our one observer.
    // (Generous: 500 answers per batch on a loaded machine.)
    for (let i = 0; i < ids.length; i += 250)
      await oneEach(ledger, ids.slice(i, i + 250), (n) => n >= 2, 30_000);
    expect(fleet.stats().total.executedResultsSent).toBe(1000);
  });

  maybe('sends nothing more once closed, pending answers included', async () => {
    const { fleet, ledger, ids } = await setUp({ resultDelayMs: 1000 });
    const [command] = await oneEach(ledger, ids.slice(0, 1), (n) => n >= 1);
    await fleet.close();
    // Past the moment the result was due.
    await sleep(1000 + QUIET_MS);
    expect(ledger.answersTo(command!).map((a) => a.kind)).toEqual(['ack']);
  });

  // ---- presence ------------------------------------------------------------------------------

  const births = (l: TestLedger, id: string) =>
    l
      .presenceOf(id)
      .filter((p) => p.online)
      .map((p) => p.epoch);
  const departures = (l: TestLedger, id: string) =>
    l
      .presenceOf(id)
      .filter((p) => !p.online)
      .map((p) => p.epoch);

  maybe('announces a birth per device, a will when dropped, a goodbye when closed', async () => {
    const { fleet, ledger, ids, events } = await setUp({}, { devicesPerConnection: 1 });
    const id = ids[0]!;
    await waitFor(() => births(ledger, id).length === 1, 'the (retained) birth');
    const [first] = births(ledger, id);
    await fleet.reconnect();
    // The drop: the broker publishes the will of the first session, then the device is back.
    await waitFor(() => births(ledger, id).length === 2, 'the second birth');
    expect(departures(ledger, id)).toEqual([first]);
    expect(births(ledger, id)[1]).toBeGreaterThan(first!);
    await fleet.close();
    await waitFor(() => departures(ledger, id).length === 2, 'the goodbye');
    expect(departures(ledger, id)[1]).toBe(births(ledger, id)[1]);
    expect(fleet.stats().devices[id]).toMatchObject({ births: 2, goodbyes: 1, drops: 1 });
    const told = events.flatMap((e) =>
      e.type === 'presence' && e.deviceIds.includes(id) ? [[e.kind, e.epoch]] : [],
    );
    expect(told).toEqual([
      ['birth', first],
      ['dropped', first],
      ['birth', births(ledger, id)[1]],
      ['goodbye', births(ledger, id)[1]],
    ]);
  });

  maybe('goes offline and comes back at a higher epoch, with goodbyes and with wills', async () => {
    const { fleet, ledger, ids } = await setUp(
      { offlineEveryMs: 150, offlineForMs: 100, uncleanOfflineRate: 0.5 },
      { devicesPerConnection: 1, seed: 7 },
    );
    const id = ids[0]!;
    await waitFor(() => fleet.stats().devices[id]!.births >= 5, 'several sessions', 10_000);
    const s = fleet.stats().devices[id]!;
    expect(s.goodbyes + s.drops).toBeGreaterThanOrEqual(4);
    // Every session's epoch is above the last, and each departure names the session it ended.
    await waitFor(() => departures(ledger, id).length >= 4, 'the departures');
    const b = births(ledger, id);
    expect([...b].sort((x, y) => x - y)).toEqual(b);
    expect(new Set(b).size).toBe(b.length);
    for (const e of departures(ledger, id)) expect(b).toContain(e);
    // Answered as ever between the absences.
    await waitFor(() => fleet.stats().devices[id]!.births > s.births, 'the next session');
    await oneEach(ledger, [id], (n) => n >= 2);
  });

  it.each([
    ['a stale will', { staleWillRate: 1 }, 'stale-will', false],
    ['a replayed birth', { replayedBirthRate: 1 }, 'replayed-birth', true],
  ] as const)(
    'after each new birth, publishes %s of an older session',
    async (_, behaviour, kind, online) => {
      if (!start) return;
      const { fleet, ledger, ids, events } = await setUp(behaviour, { devicesPerConnection: 1 });
      const id = ids[0]!;
      for (let i = 0; i < 3; i++) await fleet.reconnect();
      const told = () =>
        events.flatMap((e) => (e.type === 'presence' && e.deviceIds.includes(id) ? [e] : []));
      await waitFor(
        () => told().filter((e) => e.kind === kind).length === 3,
        'a lie per reconnection',
      );
      // Each lie follows the birth it contradicts and names an older session's epoch.
      const story = told().filter((e) => e.kind === 'birth' || e.kind === kind);
      expect(story.map((e) => e.kind)).toEqual(['birth', ...Array(3).fill(['birth', kind]).flat()]);
      const sessions = story.filter((e) => e.kind === 'birth').map((e) => e.epoch);
      story.forEach((e, i) => {
        if (e.kind === kind) expect(sessions.slice(0, Math.floor(i / 2))).toContain(e.epoch);
      });
      // And the ledger's side heard each, after the birth of the session it lies about.
      const lies = story.filter((e) => e.kind === kind);
      await waitFor(
        () =>
          lies.every((l) =>
            ledger.presenceOf(id).some((p) => p.online === online && p.epoch === l.epoch),
          ),
        'the lies on the presence topic',
      );
      expect(fleet.stats().devices[id]![online ? 'replayedBirthsSent' : 'staleWillsSent']).toBe(3);
    },
  );

  maybe('with presence off, publishes no presence at all (a version-1 device)', async () => {
    const { fleet, ledger, ids } = await setUp({}, { presence: false, devicesPerConnection: 1 });
    await oneEach(ledger, ids, (n) => n >= 2);
    await fleet.reconnect();
    await fleet.close();
    await sleep(QUIET_MS);
    expect(ledger.presence).toEqual([]);
  });
});
