/**
 * apps/broker/make-demo-certs.sh, the script the README has operators run before the first
 * `docker compose up`: a CA, a server certificate for the names the broker is reached by, and
 * a client certificate per device naming it; more devices later under the same CA; no
 * certificate for a name that is not a device (the ledger's above all).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireOpenssl } from '@ratchet/mqtt/testing';
import { REPO_ROOT } from './compose-file.js';
import { DEMO_CERTS_SCRIPT } from './deployed-mosquitto.js';

const script = join(REPO_ROOT, DEMO_CERTS_SCRIPT);

(requireOpenssl() ? describe : describe.skip)('make-demo-certs.sh', () => {
  let dir: string;
  const make = (...ids: string[]) =>
    spawnSync(script, ids, { env: { ...process.env, CERTS_DIR: dir }, encoding: 'utf8' });
  const cert = (name: string) => new X509Certificate(readFileSync(join(dir, `${name}.crt`)));
  const verifies = (name: string) =>
    execFileSync('openssl', ['verify', '-CAfile', join(dir, 'ca.crt'), join(dir, `${name}.crt`)], {
      encoding: 'utf8',
    }).trim();

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ratchet-demo-certs-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('makes a CA, a server certificate for the compose host names, and pump-1 … pump-3', () => {
    expect(make().status).toBe(0);
    for (const name of ['server', 'pump-1', 'pump-2', 'pump-3'])
      expect(verifies(name)).toBe(`${join(dir, name)}.crt: OK`);
    expect(cert('server').subjectAltName).toBe(
      'DNS:mosquitto, DNS:localhost, IP Address:127.0.0.1',
    );
    expect(cert('pump-2').subject).toBe('CN=pump-2');
    expect(new Date(cert('pump-2').validTo).getTime()).toBeGreaterThan(
      Date.now() + 300 * 86_400_000,
    );
  });

  it('adds a device under the same CA, keeping what exists', () => {
    const ca = readFileSync(join(dir, 'ca.crt'), 'utf8');
    const pump1 = readFileSync(join(dir, 'pump-1.crt'), 'utf8');
    expect(make('pump-4').status).toBe(0);
    expect(verifies('pump-4')).toBe(`${join(dir, 'pump-4')}.crt: OK`);
    expect(readFileSync(join(dir, 'ca.crt'), 'utf8')).toBe(ca);
    expect(readFileSync(join(dir, 'pump-1.crt'), 'utf8')).toBe(pump1);
  });

  it('refuses a name that is not a device id, and the ledger’s', () => {
    for (const id of ['ledger', 'server', 'bad/id', '-x']) {
      const r = make(id);
      expect({ id, status: r.status }).toEqual({ id, status: 2 });
      expect(r.stderr).toContain(id);
    }
  });
});
