/**
 * The broker policy docker-compose.yml ships (apps/broker: configuration, passwords, ACL),
 * run by a real Mosquitto: devices speak and hear only for themselves, strangers and wrong
 * passwords are refused, a client id cannot be borrowed, and the ledger's account does its job.
 * Accounts and ports are read from docker-compose.yml, not repeated here.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { waitFor } from '@ratchet/mqtt/testing';
import { startFleet } from '@ratchet/device-sim';
import { loadConfig } from '@ratchet/ledger-app';
import { eventually, startTestLedger } from '../support/ledger-harness.js';
import { REPO_ROOT, hostAndPort, loadCompose } from './compose-file.js';
import {
  type DeviceSim,
  TEST_TOKENS,
  TEST_VARIABLES,
  deviceAccount,
  deviceSims,
  ledgerAccount,
  ledgerReplicas,
} from './compose-roles.js';
import {
  type DeployedMosquitto,
  IMAGE_CONF_PATH,
  mosquittoFiles,
  requireMosquittoBinary,
  startDeployedMosquitto,
} from './deployed-mosquitto.js';
import { parseMosquittoConf } from './mosquitto-conf.js';
import { type Probe, commandTopics, connectProbe, publishCode, refusalCode } from './mqtt-probe.js';

const NOT_AUTHORIZED = 0x87;
const run = requireMosquittoBinary();
const compose = loadCompose(TEST_VARIABLES);
const ledger = ledgerReplicas(compose)[0]!;
const [sim1, sim2] = deviceSims(compose) as [DeviceSim, DeviceSim];
const LEDGER = ledgerAccount(ledger);
const PUMP1 = deviceAccount(sim1);
const PUMP2 = deviceAccount(sim2);
const ledgerPort = hostAndPort(ledger.env['MQTT_URL']!).port;
const devicePort = hostAndPort(sim1.fleet.url).port;
const group = loadConfig(ledger.env).mqttSharedGroup;

(run ? describe : describe.skip)('the Mosquitto policy docker-compose.yml ships', () => {
  let broker: DeployedMosquitto;
  let probes: Probe[] = [];
  const device = async (account: typeof PUMP1, clientId?: string, protocolVersion: 4 | 5 = 5) => {
    const p = await connectProbe(broker.url(devicePort), account, {
      protocolVersion,
      ...(clientId ? { clientId } : {}),
    });
    probes.push(p);
    return p;
  };
  /** The ledger's account, subscribed as the ledger subscribes: a shared subscription. */
  const ledgerProbe = async () => {
    const p = await connectProbe(broker.url(ledgerPort), LEDGER);
    probes.push(p);
    await p.client.subscribeAsync(
      [`$share/${group}/devices/+/commands/+/ack`, `$share/${group}/devices/+/commands/+/result`],
      { qos: 1 },
    );
    return p;
  };
  const subscribeOwn = (p: Probe, id: string) =>
    p.client.subscribeAsync([`devices/${id}/commands/+`, `devices/${id}/commands/+/state`], {
      qos: 1,
    });

  beforeAll(async () => {
    broker = await startDeployedMosquitto(compose);
  });
  afterEach(async () => {
    await Promise.all(probes.map((p) => p.end()));
    probes = [];
  });
  afterAll(async () => {
    await broker?.stop();
  });

  it('lets the ledger send intents and state, and receive acks and results through $share', async () => {
    const l = await ledgerProbe();
    const pump1 = await device(PUMP1);
    await subscribeOwn(pump1, PUMP1.username);
    const t = commandTopics(PUMP1.username);
    expect([await publishCode(l, t.intent), await publishCode(l, t.state)]).toEqual([0, 0]);
    await pump1.waitFor(t.intent);
    await pump1.waitFor(t.state);
    expect([await publishCode(pump1, t.ack), await publishCode(pump1, t.result)]).toEqual([0, 0]);
    await l.waitFor(t.ack);
    await l.waitFor(t.result);
  });

  it('refuses a device that answers on another device’s topic; the ledger never hears it', async () => {
    const l = await ledgerProbe();
    const pump1 = await device(PUMP1);
    const theirs = commandTopics(PUMP2.username);
    expect(await publishCode(pump1, theirs.ack)).toBe(NOT_AUTHORIZED);
    expect(await publishCode(pump1, theirs.result)).toBe(NOT_AUTHORIZED);
    // Nor may a device issue intents or state, for another device or for itself.
    const own = commandTopics(PUMP1.username);
    for (const topic of [theirs.intent, theirs.state, own.intent, own.state])
      expect(await publishCode(pump1, topic)).toBe(NOT_AUTHORIZED);
    // Nor may the ledger forge a device's answer.
    expect(await publishCode(l, own.ack)).toBe(NOT_AUTHORIZED);
    // Sent after the refused ones on the same connection, so it arrives after them if they did.
    await publishCode(pump1, own.ack);
    await l.waitFor(own.ack);
    expect(l.received.map((m) => m.topic)).toEqual([own.ack]);
  });

  it('never delivers another device’s intents, state or answers, whatever a device subscribes to', async () => {
    const l = await ledgerProbe();
    const pump2 = await device(PUMP2);
    await subscribeOwn(pump2, PUMP2.username);
    const pump1 = await device(PUMP1);
    // Mosquitto 2.0 accepts any SUBSCRIBE and checks `read` per delivered message.
    await pump1.client.subscribeAsync(
      [`devices/${PUMP2.username}/commands/+`, 'devices/+/commands/+/#', '#'],
      { qos: 1 },
    );
    const theirs = commandTopics(PUMP2.username);
    await publishCode(l, theirs.intent);
    await publishCode(l, theirs.state);
    await publishCode(pump2, theirs.ack);
    const marker = commandTopics(PUMP1.username).intent;
    await publishCode(l, marker);
    await pump2.waitFor(theirs.intent);
    await pump1.waitFor(marker);
    // (Overlapping subscriptions may deliver the marker more than once.)
    expect(new Set(pump1.received.map((m) => m.topic))).toEqual(new Set([marker]));
  });

  it('refuses a client without credentials, on both listeners', async () => {
    for (const port of [devicePort, ledgerPort])
      expect(await refusalCode(broker.url(port), {})).toBe(NOT_AUTHORIZED);
  });

  it('refuses a wrong password and an unknown account', async () => {
    // Mosquitto 2.0 answers every refusal with 0x87 (not authorised), telling nothing more.
    for (const port of [devicePort, ledgerPort])
      for (const account of [
        { ...PUMP1, password: PUMP2.password },
        { ...LEDGER, password: 'guess' },
        { username: 'pump-99', password: 'x' },
      ])
        expect(await refusalCode(broker.url(port), account)).toBe(NOT_AUTHORIZED);
  });

  it('makes the client id the username on the device listener: pump-1 cannot pose as pump-2', async () => {
    const l = await ledgerProbe();
    const pump2 = await device(PUMP2, PUMP2.username);
    const impostor = await device(PUMP1, PUMP2.username);
    const theirs = commandTopics(PUMP2.username);
    expect(await publishCode(impostor, theirs.ack)).toBe(NOT_AUTHORIZED);
    // pump-2 kept its session (a takeover would have closed it before the impostor's CONNACK):
    // a round trip after it still works.
    expect(await publishCode(pump2, theirs.ack)).toBe(0);
    await l.waitFor(theirs.ack);
    expect(pump2.closed()).toBe(false);
    // One account, one session: a second pump-1 connection replaces the first.
    await device(PUMP1, 'any-other-id');
    await waitFor(() => impostor.closed(), 'the first pump-1 connection to be replaced');
  });

  it('binds no client id on the ledger listener, which is why compose never publishes it', async () => {
    const pump2 = await device(PUMP2);
    const onLedgerListener = await connectProbe(broker.url(ledgerPort), PUMP1, {
      clientId: PUMP2.username,
    });
    probes.push(onLedgerListener);
    // The ACL still holds (it is keyed on the username), but pump-2's session was taken over.
    const theirs = commandTopics(PUMP2.username);
    expect(await publishCode(onLedgerListener, theirs.ack)).toBe(NOT_AUTHORIZED);
    await waitFor(() => pump2.closed(), 'pump-2 to be disconnected by the takeover');
  });

  it('disconnects a client whose packet exceeds max_packet_size', async () => {
    const shipped = await readFile(join(REPO_ROOT, mosquittoFiles(compose).get(IMAGE_CONF_PATH)!));
    const limit = Number(parseMosquittoConf(shipped.toString()).global.get('max_packet_size'));
    expect(limit).toBeGreaterThan(64 * 1024); // a command payload may be 64 KiB
    const v5 = await device(PUMP1);
    expect(v5.connack.properties?.maximumPacketSize).toBe(limit);
    await v5.end();
    // MQTT 3.1.1 clients are not told the limit, so the broker itself must enforce it.
    const v4 = await device(PUMP1, undefined, 4);
    v4.client.publish(commandTopics(PUMP1.username).ack, Buffer.alloc(limit + 1024), { qos: 1 });
    await waitFor(() => v4.closed(), 'the broker to drop the connection');
  });

  it('carries the real ledger and simulator through a command, with compose’s accounts', async () => {
    const {
      LEDGER_STORE: _s,
      EVENTSTORE_URL: _e,
      DATABASE_URL: _d,
      HTTP_PORT: _p,
      ...env
    } = ledger.env;
    const service = await startTestLedger({
      ...env,
      MQTT_URL: broker.url(ledgerPort),
      HTTP_HOST: '127.0.0.1',
    });
    const fleet = await startFleet({ ...sim1.fleet, url: broker.url(devicePort) });
    try {
      const auth = { authorization: `Bearer ${TEST_TOKENS[1]}` };
      const issued = await service.http(
        'POST',
        '/commands',
        { deviceId: PUMP1.username, name: 'set-speed', payload: { rpm: 1200 } },
        auth,
      );
      expect(issued.status).toBe(201);
      const done = await eventually(async () => {
        const r = await service.http('GET', `/commands/${issued.body.commandId}`, undefined, auth);
        return r.body.status === 'executed' ? r.body : undefined;
      }, 'the command to be executed');
      expect(done.revision).toBe(3);
    } finally {
      await fleet.close();
      await service.stop();
    }
  });
});
