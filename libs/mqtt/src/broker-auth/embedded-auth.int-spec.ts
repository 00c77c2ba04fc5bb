/**
 * The embedded broker (real Aedes) with device accounts from a file the real mosquitto_passwd
 * wrote: strangers and wrong passwords are refused, and the spoofing attempts of the Mosquitto
 * ACL test fail here too — answering or announcing presence for another device, issuing
 * intents, subscribing to others' topics or to `#`, a will on another device's topic, borrowing
 * another device's client id. The in-process ledger gets in with its internal account. Random
 * publishes (fast-check) reach the ledger exactly when the ACL allows them. Hooks given in the
 * broker's options still run.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { startEmbeddedBroker, type EmbeddedBroker } from '../embedded-broker.js';
import { sleep, waitFor } from '../testing/mosquitto.js';
import { mayPublish } from './broker-acl.js';
import { readPasswordFile, type PasswordAccounts } from './password-file.js';

const have = spawnSync('mosquitto_passwd', ['-h'], { stdio: 'ignore' }).error === undefined;
if (!have && process.env['CI'] === 'true')
  throw new Error('mosquitto_passwd not installed; CI=true, so this is a failure, not a skip');

const INTERNAL: { username: string; password: string } = {
  username: '$ratchet-ledger',
  password: randomUUID(),
};
const PUMP1 = { username: 'pump-1', password: 'pump-1-secret' };
const PUMP2 = { username: 'pump-2', password: 'pump-2-secret' };
const FILE_LEDGER = { username: 'ledger', password: 'ledger-secret' };

interface Probe {
  readonly client: MqttClient;
  readonly received: { topic: string; payload: string }[];
  closed(): boolean;
}

(have ? describe : describe.skip)('the embedded broker with device accounts', () => {
  let dir: string;
  let accounts: PasswordAccounts;
  let broker: EmbeddedBroker;
  let probes: Probe[] = [];
  const seen = { published: 0, innerPublishChecks: 0 };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ratchet-embedded-auth-'));
    const file = join(dir, 'passwd');
    execFileSync('mosquitto_passwd', ['-c', '-b', file, PUMP1.username, PUMP1.password]);
    execFileSync('mosquitto_passwd', ['-b', file, PUMP2.username, PUMP2.password]);
    execFileSync('mosquitto_passwd', ['-b', file, FILE_LEDGER.username, FILE_LEDGER.password]);
    accounts = readPasswordFile(file);
    broker = await startEmbeddedBroker({
      port: 0,
      auth: { accounts, internal: [INTERNAL] },
      // Someone else's hooks (issue 11 hooks PUBACKs): they must still run.
      aedes: {
        published: (_packet, _client, done) => {
          seen.published++;
          done(null);
        },
        authorizePublish: (_client, _packet, done) => {
          seen.innerPublishChecks++;
          done(null);
        },
      },
    });
  });
  afterEach(async () => {
    await Promise.all(probes.map((p) => p.client.endAsync(true)));
    probes = [];
  });
  afterAll(async () => {
    await broker?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Connects once (no reconnect); rejects with the CONNACK code on a refusal. */
  const connect = (account: { username?: string; password?: string }, o: IClientOptions = {}) =>
    new Promise<Probe>((resolve, reject) => {
      const client = mqtt.connect(broker.url, {
        protocolVersion: 4,
        reconnectPeriod: 0,
        connectTimeout: 3000,
        clientId: `probe-${randomUUID().slice(0, 8)}`,
        ...account,
        ...o,
      });
      const received: Probe['received'] = [];
      let closed = false;
      client.on('message', (topic, payload) =>
        received.push({ topic, payload: payload.toString() }),
      );
      client.on('close', () => (closed = true));
      client.once('error', (e) => {
        client.end(true);
        reject(e);
      });
      client.once('connect', () => {
        const p = { client, received, closed: () => closed };
        probes.push(p);
        resolve(p);
      });
    });
  const refusal = (account: { username?: string; password?: string }) =>
    connect(account).then(
      () => 'accepted',
      (e: { code?: number }) => e.code,
    );
  /** The ledger's in-process client, subscribed as the gateway subscribes. */
  const ledger = async (account = INTERNAL) => {
    const l = await connect(account);
    const granted = await l.client.subscribeAsync(
      ['devices/+/commands/+/ack', 'devices/+/commands/+/result', 'devices/+/presence'],
      { qos: 1 },
    );
    expect(granted.map((g) => g.qos)).toEqual([1, 1, 1]);
    return l;
  };
  const topics = (id: string, c = randomUUID()) => ({
    intent: `devices/${id}/commands/${c}`,
    ack: `devices/${id}/commands/${c}/ack`,
    result: `devices/${id}/commands/${c}/result`,
    state: `devices/${id}/commands/${c}/state`,
    presence: `devices/${id}/presence`,
  });
  /** A marker the device may send, after the attempts: once it arrives, they would have. */
  const marker = async (l: Probe, from = PUMP1) => {
    const d = await connect(from);
    const t = topics(from.username).ack;
    await d.client.publishAsync(t, 'marker', { qos: 1 });
    await waitFor(() => l.received.some((m) => m.topic === t), 'the marker');
  };

  it('refuses clients without credentials, with a wrong password, of an unknown account', async () => {
    expect(await refusal({})).toBe(5);
    expect(await refusal({ username: PUMP1.username })).toBe(5);
    expect(await refusal({ ...PUMP1, password: PUMP2.password })).toBe(4);
    expect(await refusal({ username: 'pump-9', password: 'x' })).toBe(4);
    expect(await refusal({ ...INTERNAL, password: 'guess' })).toBe(4);
    expect(await refusal(PUMP1)).toBe('accepted');
  });

  it('carries intents to their device and answers to the ledger', async () => {
    const l = await ledger();
    const d = await connect(PUMP1);
    const granted = await d.client.subscribeAsync(
      ['devices/pump-1/commands/+', 'devices/pump-1/commands/+/state'],
      { qos: 1 },
    );
    expect(granted.map((g) => g.qos)).toEqual([1, 1]);
    const t = topics('pump-1');
    await l.client.publishAsync(t.intent, '{}', { qos: 1 });
    await l.client.publishAsync(t.state, '{}', { qos: 1, retain: true });
    await waitFor(() => d.received.length === 2, 'the intent and the state');
    await d.client.publishAsync(t.ack, '{}', { qos: 1 });
    await d.client.publishAsync(t.result, '{}', { qos: 1 });
    await d.client.publishAsync(t.presence, '{"online":true,"epoch":1}', { qos: 1 });
    await waitFor(() => l.received.length === 3, 'the answers and the presence');
    expect(l.received.map((m) => m.topic)).toEqual([t.ack, t.result, t.presence]);
    // Hooks from the options ran, for these allowed publishes.
    expect(seen.innerPublishChecks).toBeGreaterThanOrEqual(5);
    expect(seen.published).toBeGreaterThanOrEqual(5);
  });

  it('drops a device that answers or speaks for another device, or issues intents; the ledger never hears it', async () => {
    const l = await ledger();
    const theirs = topics('pump-2');
    const own = topics('pump-1');
    const checksBefore = seen.innerPublishChecks;
    for (const topic of [
      theirs.ack,
      theirs.result,
      theirs.presence,
      own.intent,
      own.state,
      '$SYS/x',
    ]) {
      const d = await connect(PUMP1);
      d.client.publish(topic, 'spoof', { qos: 1 });
      await waitFor(() => d.closed(), `the broker to drop pump-1 after publishing on ${topic}`);
    }
    await marker(l);
    expect(l.received.filter((m) => m.payload === 'spoof')).toEqual([]);
    // Refused publishes never reached the hooks given in the options.
    expect(seen.innerPublishChecks - checksBefore).toBe(1); // the marker only
    // Nor may the ledger forge a device's answer.
    const forging = await connect(INTERNAL);
    forging.client.publish(own.ack, 'forged', { qos: 1 });
    await waitFor(() => forging.closed(), 'the broker to drop the forging ledger');
  });

  it('refuses subscriptions to other devices’ topics or wider than its own, and never delivers them', async () => {
    const d1 = await connect(PUMP1);
    // mqtt.js rejects a SUBACK with a refusal in it; the packet says which.
    const granted = await d1.client
      .subscribeAsync(
        [
          '#',
          'devices/+/commands/+',
          'devices/pump-2/commands/+',
          'devices/pump-1/#',
          'devices/pump-1/commands/+',
        ],
        { qos: 1 },
      )
      .then(
        (g) => g.map((x) => x.qos),
        (e: { packet?: { granted?: number[] } }) => e.packet?.granted,
      );
    expect(granted).toEqual([128, 128, 128, 128, 1]);
    const l = await connect(INTERNAL);
    const theirs = topics('pump-2');
    await l.client.publishAsync(theirs.intent, 'not yours', { qos: 1 });
    const mine = topics('pump-1').intent;
    await l.client.publishAsync(mine, 'yours', { qos: 1 });
    await waitFor(() => d1.received.length > 0, 'its own intent');
    await sleep(100);
    expect(d1.received).toEqual([{ topic: mine, payload: 'yours' }]);
  });

  it('publishes a device’s own will, never one on another device’s topic', async () => {
    const l = await ledger();
    const own = topics('pump-1').presence;
    const theirs = topics('pump-2').presence;
    const honest = await connect(PUMP1, {
      will: {
        topic: own,
        payload: Buffer.from('{"online":false,"epoch":1}'),
        qos: 1,
        retain: false,
      },
    });
    honest.client.stream.destroy();
    await waitFor(() => l.received.some((m) => m.topic === own), 'its will');
    const sneaky = await connect(PUMP1, {
      will: { topic: theirs, payload: Buffer.from('lie'), qos: 1, retain: false },
    });
    sneaky.client.stream.destroy();
    await marker(l, PUMP2);
    await sleep(100);
    expect(l.received.filter((m) => m.payload === 'lie')).toEqual([]);
  });

  it('makes the client id the username: pump-1 cannot take over pump-2’s session', async () => {
    const pump2 = await connect(PUMP2, { clientId: 'pump-2' });
    const impostor = await connect(PUMP1, { clientId: 'pump-2' });
    await sleep(200);
    expect(pump2.closed()).toBe(false);
    // One account, one session: a second pump-1 connection replaces the first.
    await connect(PUMP1, { clientId: 'anything' });
    await waitFor(() => impostor.closed(), 'the first pump-1 connection to be replaced');
  });

  it('gives the file’s "ledger" account the ledger’s rights, as the shipped ACL does', async () => {
    const l = await ledger(FILE_LEDGER);
    const d = await connect(PUMP2);
    await d.client.subscribeAsync('devices/pump-2/commands/+', { qos: 1 });
    const t = topics('pump-2');
    await l.client.publishAsync(t.intent, '{}', { qos: 1 });
    await waitFor(() => d.received.length === 1, 'the intent');
  });

  it('delivers exactly what the ACL allows, for random publishes (fuzzed)', async () => {
    const l = await ledger();
    const level = fc.constantFrom(
      'devices',
      'pump-1',
      'pump-2',
      'commands',
      'c',
      'ack',
      'result',
      'presence',
      'state',
      '',
    );
    const topic = fc
      .array(level, { minLength: 1, maxLength: 5 })
      .map((ls) => ls.join('/'))
      // (mqtt.js will not send an empty topic at all)
      .filter((t) => t !== '');
    await fc.assert(
      fc.asyncProperty(topic, async (t) => {
        const payload = randomUUID();
        const d = await connect(PUMP1);
        d.client.publish(t, payload, { qos: 1 });
        const allowed = mayPublish({ role: 'device', username: 'pump-1' }, t);
        const ledgerHears = /^devices\/[^/]*\/(commands\/[^/]*\/(ack|result)|presence)$/.test(t);
        if (!allowed) await waitFor(() => d.closed(), `pump-1 dropped after ${t}`);
        await marker(l);
        const heard = l.received.some((m) => m.payload === payload);
        expect({ t, heard }).toEqual({ t, heard: allowed && ledgerHears });
        await d.client.endAsync(true);
      }),
      { numRuns: 40 },
    );
  });
});

describe('the embedded broker without accounts', () => {
  it('stays anonymous on loopback, and says so', async () => {
    const said: string[] = [];
    const log = (m: string) => void said.push(m);
    const broker = await startEmbeddedBroker({
      port: 0,
      logger: { log, warn: log, error: log },
    });
    try {
      expect(broker.host).toBe('127.0.0.1');
      expect(said.join('\n')).toContain('ANONYMOUS');
      expect(said.join('\n')).toContain('binds loopback only');
      const c = await mqtt.connectAsync(broker.url, { protocolVersion: 4, reconnectPeriod: 0 });
      await c.publishAsync('devices/anyone/commands/x/ack', '{}', { qos: 1 });
      await c.endAsync(true);
    } finally {
      await broker.close();
    }
  });
});
