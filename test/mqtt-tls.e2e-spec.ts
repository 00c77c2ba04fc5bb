/**
 * The ledger over TLS to its broker (CONTRACT.md section 4: MQTT_CA_FILE, MQTT_CERT_FILE,
 * MQTT_KEY_FILE with an mqtts:// MQTT_URL), against a real Mosquitto whose TLS listeners the
 * test starts with certificates it makes with openssl: one listener with a good certificate,
 * one with an expired certificate, one with a certificate for another name, all requiring a
 * client certificate. A command goes through over TLS; every failure stops the start with a
 * message that says what is wrong, instead of a reconnect loop.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { connectMqtt, type MqttConnection } from '@ratchet/mqtt';
import {
  brokerAnswers,
  freePort,
  makeTestPki,
  requireOpenssl,
  startPrivateMosquitto,
  waitForAsync,
  type IssuedCertificate,
  type PrivateMosquitto,
  type TestCa,
  type TestPki,
} from '@ratchet/mqtt/testing';
import { CqrsModule } from '@nestjs/cqrs';
import { Test } from '@nestjs/testing';
import { MqttGateway, RatchetModule } from '@ratchet/ledger';
import { ConfigError, loadConfig } from '@ratchet/ledger-app';
import { requireMosquittoBinary } from './deploy/deployed-mosquitto.js';
import { eventually, startTestLedger } from './support/ledger-harness.js';

const run = requireMosquittoBinary() && requireOpenssl();

(run ? describe : describe.skip)('the ledger over TLS to a real Mosquitto', () => {
  let pki: TestPki;
  let ca: TestCa;
  let ledgerCert: IssuedCertificate;
  let broker: PrivateMosquitto;
  /** mqtts:// URLs of the three listeners. */
  let good: string;
  let expired: string;
  let wrongName: string;

  beforeAll(async () => {
    pki = makeTestPki();
    ca = pki.newCa('ca');
    ledgerCert = ca.issue('ledger', 'ledger');
    const server = ca.issue('server', 'broker', { altNames: ['IP:127.0.0.1'] });
    const old = ca.issue('server-expired', 'broker', { altNames: ['IP:127.0.0.1'], days: -1 });
    const other = ca.issue('server-other', 'broker', { altNames: ['DNS:broker.example'] });
    const tlsListener = (cert: IssuedCertificate) => [
      `cafile ${ca.cert}`,
      `certfile ${cert.cert}`,
      `keyfile ${cert.key}`,
      'require_certificate true',
    ];
    const [p2, p3] = [await freePort(), await freePort()];
    broker = await startPrivateMosquitto([
      ...tlsListener(server),
      `listener ${p2} 127.0.0.1`,
      ...tlsListener(old),
      `listener ${p3} 127.0.0.1`,
      ...tlsListener(other),
    ]);
    good = broker.url.replace('mqtt://', 'mqtts://');
    expired = `mqtts://127.0.0.1:${p2}`;
    wrongName = `mqtts://127.0.0.1:${p3}`;
    for (const url of [expired, wrongName])
      await waitForAsync(() => brokerAnswers(url, 200), `Mosquitto on ${url}`);
  });
  afterAll(async () => {
    await broker?.stop();
    pki?.remove();
  });

  const ledgerEnv = (url: string, overrides: Record<string, string> = {}) => ({
    MQTT_URL: url,
    MQTT_CA_FILE: ca.cert,
    MQTT_CERT_FILE: ledgerCert.cert,
    MQTT_KEY_FILE: ledgerCert.key,
    ...overrides,
  });
  /** The start's failure message (it must fail, and promptly: no reconnect loop). */
  const startFailure = async (env: Record<string, string>): Promise<string> => {
    const started = Date.now();
    const error = await startTestLedger(env).then(
      async (l) => {
        await l.stop();
        return new Error('the ledger started');
      },
      (e: unknown) => e as Error,
    );
    expect(Date.now() - started).toBeLessThan(20_000);
    return error.message;
  };
  const configProblems = (env: Record<string, string>): string => {
    try {
      loadConfig(env);
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      return (e as ConfigError).message;
    }
    throw new Error('loadConfig accepted the configuration');
  };

  it('carries a command over mqtts:// with the CA and a client certificate', async () => {
    const ledger = await startTestLedger(ledgerEnv(good));
    const pump = ca.issue('pump-tls', 'pump-tls');
    let device: MqttConnection | undefined;
    try {
      device = await connectMqtt({ url: good, protocol: 4, tls: ca.clientTls(pump) });
      const d = device;
      d.client.on('message', (topic) => {
        if (!/^devices\/pump-tls\/commands\/[^/]+$/.test(topic)) return;
        void d.client.publishAsync(`${topic}/ack`, '{}', { qos: 1 }).then(() =>
          d.client.publishAsync(`${topic}/result`, JSON.stringify({ status: 'executed' }), {
            qos: 1,
          }),
        );
      });
      await d.client.subscribeAsync('devices/pump-tls/commands/+', { qos: 1 });
      const issued = await ledger.http('POST', '/commands', {
        deviceId: 'pump-tls',
        name: 'open',
        payload: {},
      });
      expect(issued.status).toBe(201);
      await eventually(async () => {
        const r = await ledger.http('GET', `/commands/${issued.body.commandId}`);
        return r.body.status === 'executed' ? true : undefined;
      }, 'the command to be executed over TLS');
    } finally {
      await device?.close(true);
      await ledger.stop();
    }
  });

  it('takes the same files as forRoot settings (mqttCaFile, mqttCertFile, mqttKeyFile), named so in errors', async () => {
    const app = async (files: Record<string, string>) => {
      const moduleRef = await Test.createTestingModule({
        imports: [
          CqrsModule.forRoot(),
          RatchetModule.forRoot({ store: 'pglite', readModels: false, mqttUrl: good, ...files }),
        ],
      }).compile();
      return moduleRef.createNestApplication().init();
    };
    const ok = await app({
      mqttCaFile: ca.cert,
      mqttCertFile: ledgerCert.cert,
      mqttKeyFile: ledgerCert.key,
    });
    try {
      expect(ok.get(MqttGateway).connected).toBe(true);
    } finally {
      await ok.close();
    }
    await expect(app({ mqttCaFile: '/nonexistent/ca.crt' })).rejects.toThrow(
      'mqttCaFile=/nonexistent/ca.crt: no such file',
    );
  });

  it('stops the start when the broker’s certificate has expired', async () => {
    const message = await startFailure(ledgerEnv(expired));
    expect(message).toContain(`cannot connect to the MQTT broker at ${expired}`);
    expect(message).toContain("the broker's certificate (or one in its chain) has expired");
  });

  it('stops the start when the broker’s certificate names another host', async () => {
    const message = await startFailure(ledgerEnv(wrongName));
    expect(message).toContain(`cannot connect to the MQTT broker at ${wrongName}`);
    expect(message).toContain(`the broker's certificate does not name "127.0.0.1"`);
  });

  it('stops the start when the broker’s certificate is signed by a CA it was not told to trust', async () => {
    const stranger = pki.newCa('stranger-ca');
    const message = await startFailure(ledgerEnv(good, { MQTT_CA_FILE: stranger.cert }));
    expect(message).toContain('is not signed by a CA this client trusts');
    // Nor are Node's public CAs a way around it: without MQTT_CA_FILE the test CA is unknown.
    const { MQTT_CA_FILE: _, ...withoutCa } = ledgerEnv(good);
    expect(await startFailure(withoutCa)).toContain('is not signed by a CA this client trusts');
  });

  it('ignores NODE_TLS_REJECT_UNAUTHORIZED=0: verification is never silently off', async () => {
    const saved = process.env['NODE_TLS_REJECT_UNAUTHORIZED'];
    process.env['NODE_TLS_REJECT_UNAUTHORIZED'] = '0';
    try {
      expect(await startFailure(ledgerEnv(wrongName))).toContain('does not name "127.0.0.1"');
    } finally {
      if (saved === undefined) delete process.env['NODE_TLS_REJECT_UNAUTHORIZED'];
      else process.env['NODE_TLS_REJECT_UNAUTHORIZED'] = saved;
    }
  });

  it('stops the start when the broker requires a client certificate and none is set', async () => {
    const message = await startFailure({ MQTT_URL: good, MQTT_CA_FILE: ca.cert });
    expect(message).toContain(`cannot connect to the MQTT broker at ${good}`);
    expect(message).toContain(
      'the broker requires a client certificate: set the certificate and key files',
    );
  });

  it('refuses, before connecting, a missing file, a directory, a file that is not PEM', () => {
    const dir = pki.file(`not-a-file-${randomUUID()}`);
    mkdirSync(dir);
    const garbage = pki.file('garbage.pem');
    writeFileSync(garbage, 'not a certificate\n');
    const message = configProblems(
      ledgerEnv(good, {
        MQTT_CA_FILE: '/nonexistent/ca.crt',
        MQTT_CERT_FILE: dir,
        MQTT_KEY_FILE: garbage,
      }),
    );
    expect(message).toContain('MQTT_CA_FILE=/nonexistent/ca.crt: no such file');
    expect(message).toContain(`MQTT_CERT_FILE=${dir}: is a directory, not a file`);
    expect(message).toContain(`MQTT_KEY_FILE=${garbage}: not an unencrypted PEM private key`);
    expect(configProblems(ledgerEnv(good, { MQTT_CA_FILE: garbage }))).toContain(
      `MQTT_CA_FILE=${garbage}: holds no PEM certificate`,
    );
  });

  it('refuses, before connecting, an expired client certificate and a key of another certificate', () => {
    const old = ca.issue('ledger-expired', 'ledger', { days: -1 });
    expect(
      configProblems(ledgerEnv(good, { MQTT_CERT_FILE: old.cert, MQTT_KEY_FILE: old.key })),
    ).toMatch(
      /MQTT_CERT_FILE=.*ledger-expired\.crt: the certificate "CN=ledger" expired on \d{4}-/,
    );
    const other = ca.issue('other', 'other');
    expect(configProblems(ledgerEnv(good, { MQTT_KEY_FILE: other.key }))).toContain(
      `MQTT_KEY_FILE=${other.key} is not the key of MQTT_CERT_FILE=${ledgerCert.cert}`,
    );
    expect(configProblems(ledgerEnv(good, { MQTT_KEY_FILE: '' }))).toContain(
      'MQTT_CERT_FILE is set without MQTT_KEY_FILE',
    );
  });

  it('refuses TLS files with a plain mqtt:// URL, or with the embedded broker, instead of ignoring them', () => {
    expect(configProblems(ledgerEnv(broker.url))).toContain('MQTT_URL is not mqtts://');
    const { MQTT_URL: _, ...embedded } = ledgerEnv(good);
    expect(configProblems(embedded)).toContain('set MQTT_URL=mqtts://host:8883');
  });
});
