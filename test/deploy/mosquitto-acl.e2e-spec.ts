/**
 * The broker policy docker-compose.yml ships (apps/broker: configuration, passwords, ACL, and
 * the certificates its script makes), run by a real Mosquitto: devices reach it over TLS with a
 * client certificate whose name binds them, speak and hear only for themselves; clients without
 * a certificate, with one from another CA, with a wrong password are refused; a client id cannot
 * be borrowed; and the ledger's account does its job. Accounts, certificates and ports are read
 * from docker-compose.yml, not repeated here.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import type { IClientOptions } from 'mqtt';
import { presenceTopic } from '@ratchet/mqtt';
import { makeTestPki, requireOpenssl, sleep, waitFor } from '@ratchet/mqtt/testing';
import { startFleet } from '@ratchet/device-sim';
import { loadConfig } from '@ratchet/ledger-app';
import { eventually, startTestLedger } from '../support/ledger-harness.js';
import { REPO_ROOT, hostAndPort, loadCompose } from './compose-file.js';
import {
  type DeviceSim,
  TEST_TOKENS,
  TEST_VARIABLES,
  deviceIdentity,
  deviceSims,
  ledgerAccount,
  ledgerReplicas,
} from './compose-roles.js';
import {
  type DeployedMosquitto,
  IMAGE_CONF_PATH,
  hostLedgerEnv,
  mosquittoFiles,
  requireMosquittoBinary,
  startDeployedMosquitto,
} from './deployed-mosquitto.js';
import { parseMosquittoConf } from './mosquitto-conf.js';
import { type Probe, commandTopics, connectProbe, publishCode, refusalCode } from './mqtt-probe.js';

const NOT_AUTHORIZED = 0x87;
const run = requireMosquittoBinary() && requireOpenssl();
const compose = loadCompose(TEST_VARIABLES);
const ledger = ledgerReplicas(compose)[0]!;
const [sim1, sim2] = deviceSims(compose) as [DeviceSim, DeviceSim];
const LEDGER = ledgerAccount(ledger);
const PUMP1 = { ...deviceIdentity(sim1), username: deviceIdentity(sim1).id };
const PUMP2 = { ...deviceIdentity(sim2), username: deviceIdentity(sim2).id };
const ledgerPort = hostAndPort(ledger.env['MQTT_URL']!).port;
const devicePort = hostAndPort(sim1.fleet.url).port;
// (Its TLS files exist only once the broker is up: the group does not depend on them.)
const { MQTT_CA_FILE: _ca, ...ledgerEnvWithoutTls } = ledger.env;
const group = loadConfig(ledgerEnvWithoutTls).mqttSharedGroup;

(run ? describe : describe.skip)('the Mosquitto policy docker-compose.yml ships', () => {
  let broker: DeployedMosquitto;
  let probes: Probe[] = [];
  /** The CA the ledger verifies the broker with (MQTT_CA_FILE, as its container has it). */
  const ledgerCa = () => readFileSync(broker.hostPath(ledger.service, ledger.env['MQTT_CA_FILE']!));
  /** The device's certificate and key, and the CA, as the simulator's container has them. */
  const tlsOf = (d: typeof PUMP1) => {
    const file = (p: string) => readFileSync(broker.hostPath(sim1.service, p));
    return { ca: file(d.caFile), cert: file(d.certFile), key: file(d.keyFile) };
  };
  const device = async (
    identity: typeof PUMP1,
    clientId?: string,
    protocolVersion: 4 | 5 = 5,
    will?: IClientOptions['will'],
  ) => {
    const p = await connectProbe(
      broker.url(devicePort),
      {},
      {
        ...tlsOf(identity),
        protocolVersion,
        ...(clientId ? { clientId } : {}),
        ...(will ? { will } : {}),
      },
    );
    probes.push(p);
    return p;
  };
  /** The ledger's account, subscribed as the ledger subscribes: a shared subscription. */
  const ledgerProbe = async () => {
    const p = await connectProbe(broker.url(ledgerPort), LEDGER, { ca: ledgerCa() });
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

  it('lets a device announce its own presence, by publishing and by its will, and the ledger hear it', async () => {
    const l = await ledgerProbe();
    await l.client.subscribeAsync(`$share/${group}/devices/+/presence`, { qos: 1 });
    const own = presenceTopic(PUMP1.username);
    const birth = JSON.stringify({ online: true, epoch: 5 });
    const will = JSON.stringify({ online: false, epoch: 5 });
    const pump1 = await device(PUMP1, undefined, 5, {
      topic: own,
      payload: will,
      qos: 1,
      retain: true,
    });
    expect(await publishCode(pump1, own, birth)).toBe(0);
    await l.waitFor(own);
    expect(l.received).toEqual([{ topic: own, payload: birth }]);
    // A crash as the broker sees it: the socket closes without DISCONNECT; the will goes out.
    (pump1.client.stream as Duplex).destroy();
    await waitFor(() => l.received.length === 2, 'the will');
    expect(l.received[1]).toEqual({ topic: own, payload: will });
  });

  it('refuses a device that speaks for another device’s presence, or the ledger forging one', async () => {
    const l = await ledgerProbe();
    await l.client.subscribeAsync(`$share/${group}/devices/+/presence`, { qos: 1 });
    const theirs = presenceTopic(PUMP2.username);
    const lie = JSON.stringify({ online: false, epoch: 9 });
    const pump1 = await device(PUMP1);
    expect(await publishCode(pump1, theirs, lie)).toBe(NOT_AUTHORIZED);
    expect(await publishCode(l, presenceTopic(PUMP1.username), lie)).toBe(NOT_AUTHORIZED);
    // A will on another device's topic is not delivered when the connection dies.
    const sneaky = await device(PUMP1, undefined, 5, {
      topic: theirs,
      payload: lie,
      qos: 1,
      retain: true,
    });
    (sneaky.client.stream as Duplex).destroy();
    // Nor does a device hear another's presence, whatever it subscribes to.
    const pump2 = await device(PUMP2);
    await pump2.client.subscribeAsync(['devices/+/presence', '#'], { qos: 1 });
    const marker = presenceTopic(PUMP2.username);
    await publishCode(pump2, marker, JSON.stringify({ online: true, epoch: 1 }));
    await l.waitFor(marker);
    await sleep(300);
    // (Mosquitto 2.0 also hands a new shared subscription the retained presence of earlier
    // tests; none of it is the lie.)
    expect(l.received.filter((m) => m.payload === lie)).toEqual([]);
    expect(pump2.received).toEqual([]);
  });

  it('reaches the device listener only over TLS with a certificate of the shipped CA', async () => {
    const url = broker.url(devicePort);
    expect(url.startsWith('mqtts://')).toBe(true);
    const ca = tlsOf(PUMP1).ca;
    // No certificate (a password does not help), or a certificate from another CA: refused in
    // the handshake, before MQTT.
    await expect(connectProbe(url, {}, { ca })).rejects.toThrow(/certificate|socket|closed/i);
    await expect(
      connectProbe(url, { username: PUMP1.username, password: 'demo-pump-1-secret' }, { ca }),
    ).rejects.toThrow();
    const pki = makeTestPki();
    try {
      const stranger = pki.newCa('stranger');
      const forged = stranger.issue('forged', PUMP1.username);
      await expect(
        connectProbe(
          url,
          {},
          { ca, cert: readFileSync(forged.cert), key: readFileSync(forged.key) },
        ),
      ).rejects.toThrow();
    } finally {
      pki.remove();
    }
    // Plain MQTT to the TLS port is not MQTT to it.
    await expect(
      connectProbe(url.replace('mqtts://', 'mqtt://'), {}, { connectTimeout: 2000 }),
    ).rejects.toThrow();
    // With its certificate, the device is in (and a username it claims changes nothing).
    const p = await connectProbe(url, { username: PUMP2.username }, tlsOf(PUMP1));
    probes.push(p);
    expect(await publishCode(p, commandTopics(PUMP1.username).ack)).toBe(0);
    expect(await publishCode(p, commandTopics(PUMP2.username).ack)).toBe(NOT_AUTHORIZED);
  });

  it('refuses the ledger listener without TLS, without credentials, with a wrong password, to a device', async () => {
    // Mosquitto 2.0 answers every refusal with 0x87 (not authorised), telling nothing more.
    for (const account of [
      {},
      { ...LEDGER, password: 'guess' },
      { username: 'pump-99', password: 'x' },
      // Devices have certificates, not passwords: none can log in on the ledger's listener.
      { username: PUMP1.username, password: 'demo-pump-1-secret' },
    ])
      expect(await refusalCode(broker.url(ledgerPort), account, { ca: ledgerCa() })).toBe(
        NOT_AUTHORIZED,
      );
    // And it speaks TLS only: the ledger's password never crosses the network in clear.
    await expect(
      connectProbe(broker.url(ledgerPort).replace('mqtts://', 'mqtt://'), LEDGER, {
        connectTimeout: 2000,
      }),
    ).rejects.toThrow();
  });

  it('makes the client id the certificate’s name on the device listener: pump-1 cannot pose as pump-2', async () => {
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
    // One certificate, one session: a second pump-1 connection replaces the first.
    await device(PUMP1, 'any-other-id');
    await waitFor(() => impostor.closed(), 'the first pump-1 connection to be replaced');
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

  it('carries the real ledger and simulator (over TLS, with its certificate) through a command', async () => {
    const {
      LEDGER_STORE: _s,
      EVENTSTORE_URL: _e,
      DATABASE_URL: _d,
      HTTP_PORT: _p,
      ...env
    } = ledger.env;
    const service = await startTestLedger({
      // Its CA file where this test's copy of the demo certificates is.
      ...hostLedgerEnv(env, (p) => broker.hostPath(ledger.service, p)),
      MQTT_URL: broker.url(ledgerPort),
      HTTP_HOST: '127.0.0.1',
    });
    const tls = sim1.fleet.tls!;
    const fleet = await startFleet({
      ...sim1.fleet,
      url: broker.url(devicePort),
      // The simulator's own flags, pointed at the files its container would see.
      tls: {
        caFile: broker.hostPath(sim1.service, tls.caFile!),
        certFile: broker.hostPath(sim1.service, tls.certFile!),
        keyFile: broker.hostPath(sim1.service, tls.keyFile!),
      },
    });
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
