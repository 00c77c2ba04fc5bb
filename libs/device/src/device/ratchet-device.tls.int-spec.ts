/**
 * TLS options pass through to the socket: a device with a client certificate (its identity,
 * as `use_identity_as_username` makes it) reaches a Mosquitto that requires one; a device
 * without one is refused. Certificates are made for the test with openssl.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connectMqtt, presenceTopic, type MqttConnection } from '@ratchet/mqtt';
import { startPrivateMosquitto, waitFor, type PrivateMosquitto } from '@ratchet/mqtt/testing';
import { MemoryDeviceStore } from '../store/memory-device-store.js';
import { RatchetDevice } from './ratchet-device.js';

const tools = ['mosquitto', 'openssl'].filter(
  (t) => spawnSync(t, ['-h'], { stdio: 'ignore' }).error !== undefined,
);
if (tools.length > 0 && process.env['CI'] === 'true')
  throw new Error(
    `${tools.join(' and ')} not installed; CI=true, so this is a failure, not a skip`,
  );

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ratchet-device-tls-'));
const file = (name: string) => path.join(dir, name);
const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });

/** A CA, a server certificate for 127.0.0.1, and a client certificate per name, signed by it. */
function makeCertificates(clients: readonly string[]): void {
  openssl(
    ...['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2'],
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-subj',
    '/CN=ratchet-test-ca',
  );
  fs.writeFileSync(file('san.cnf'), 'subjectAltName=IP:127.0.0.1\n');
  const sign = (name: string, subject: string, extra: string[] = []) => {
    openssl(
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.csr`,
      '-subj',
      subject,
    );
    openssl(
      ...['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key'],
      '-CAcreateserial',
      '-days',
      '2',
      '-out',
      `${name}.crt`,
      ...extra,
    );
  };
  sign('server', '/CN=127.0.0.1', ['-extfile', 'san.cnf']);
  for (const c of clients) sign(c, `/CN=${c}`);
  for (const f of fs.readdirSync(dir)) fs.chmodSync(file(f), 0o644);
  fs.chmodSync(dir, 0o755);
}

(tools.length === 0 ? describe : describe.skip)(
  'a RatchetDevice over TLS with a client certificate',
  () => {
    let broker: PrivateMosquitto;
    let url: string;
    beforeAll(async () => {
      makeCertificates(['pump-17', 'watcher']);
      broker = await startPrivateMosquitto([
        `cafile ${file('ca.crt')}`,
        `certfile ${file('server.crt')}`,
        `keyfile ${file('server.key')}`,
        'require_certificate true',
        'use_identity_as_username true',
      ]);
      url = broker.url.replace('mqtt://', 'mqtts://');
    });
    afterAll(async () => {
      await broker?.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    const tlsFor = (name: string) => ({
      ca: fs.readFileSync(file('ca.crt')),
      cert: fs.readFileSync(file(`${name}.crt`)),
      key: fs.readFileSync(file(`${name}.key`)),
    });

    it('connects with its certificate and announces its birth', async () => {
      const seen: string[] = [];
      const watcher: MqttConnection = await connectMqtt({
        url,
        tls: tlsFor('watcher'),
        prepare: (c) => c.on('message', (_t, p) => seen.push(p.toString())),
      });
      await watcher.client.subscribeAsync(presenceTopic('pump-17'), { qos: 1 });
      const device = new RatchetDevice({
        url,
        deviceId: 'pump-17',
        store: new MemoryDeviceStore(),
        tls: tlsFor('pump-17'),
      });
      try {
        await device.start();
        await waitFor(() => seen.length > 0, 'the birth');
        expect(JSON.parse(seen[0]!)).toEqual({ online: true, epoch: device.epoch });
      } finally {
        await device.stop();
        await watcher.close(true);
      }
    });

    it('is refused without a client certificate', async () => {
      const device = new RatchetDevice({
        url,
        deviceId: 'pump-17',
        store: new MemoryDeviceStore(),
        tls: { ca: fs.readFileSync(file('ca.crt')) },
        connectTimeoutMs: 3000,
      });
      await expect(device.start()).rejects.toThrow(`cannot connect to the MQTT broker at ${url}`);
    });
  },
);
