/**
 * Certificates for TLS tests, made with the real `openssl` in a temporary directory: a CA, and
 * certificates it signs (for a broker, with the names it answers to; for a client, whose common
 * name a broker with `use_identity_as_username` takes as its username). EC P-256 keys: fast to
 * make. Files are world-readable, because Mosquitto started as root reads them as `mosquitto`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface IssuedCertificate {
  /** Paths of the PEM certificate and its unencrypted key. */
  readonly cert: string;
  readonly key: string;
}

export interface TestCa extends IssuedCertificate {
  readonly name: string;
  /**
   * Signs a certificate for `commonName`. `altNames` (e.g. `['IP:127.0.0.1', 'DNS:localhost']`)
   * makes it a server certificate; `days: -1` makes one that has already expired.
   */
  issue(
    file: string,
    commonName: string,
    options?: { readonly altNames?: readonly string[]; readonly days?: number },
  ): IssuedCertificate;
  /** `{ ca, cert, key }` buffers for a client holding `issued` (or none). */
  clientTls(issued?: IssuedCertificate): { ca: Buffer; cert?: Buffer; key?: Buffer };
}

export interface TestPki {
  readonly dir: string;
  /** A path inside the directory. */
  file(name: string): string;
  newCa(name: string): TestCa;
  remove(): void;
}

/** Whether `openssl` can be run; under CI=true its absence is a failure, never a skip. */
export function requireOpenssl(): boolean {
  if (spawnSync('openssl', ['version'], { stdio: 'ignore' }).error === undefined) return true;
  const message = 'openssl is not installed (apt-get install openssl)';
  if (process.env['CI'] === 'true')
    throw new Error(`${message}; CI=true, so this is a failure, not a skip`);
  process.stderr.write(`SKIPPING TLS tests: ${message}\n`);
  return false;
}

export function makeTestPki(prefix = 'ratchet-tls-'): TestPki {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  chmodSync(dir, 0o755);
  const file = (name: string) => path.join(dir, name);
  const openssl = (...args: string[]) =>
    execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  const readable = (...names: string[]) => names.forEach((n) => chmodSync(file(n), 0o644));
  const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

  const ca = (name: string): TestCa => {
    readable(`${name}.key`, `${name}.crt`);
    return {
      name,
      cert: file(`${name}.crt`),
      key: file(`${name}.key`),
      issue: (out, commonName, options = {}) => {
        openssl(
          'req',
          ...EC,
          '-keyout',
          `${out}.key`,
          '-out',
          `${out}.csr`,
          '-subj',
          `/CN=${commonName}`,
        );
        const ext: string[] = [];
        if (options.altNames?.length) {
          writeFileSync(file(`${out}.ext`), `subjectAltName=${options.altNames.join(',')}\n`);
          ext.push('-extfile', `${out}.ext`);
        }
        openssl(
          ...['x509', '-req', '-in', `${out}.csr`, '-CA', `${name}.crt`, '-CAkey', `${name}.key`],
          ...['-CAcreateserial', '-days', String(options.days ?? 2), '-out', `${out}.crt`],
          ...ext,
        );
        readable(`${out}.key`, `${out}.crt`);
        return { cert: file(`${out}.crt`), key: file(`${out}.key`) };
      },
      clientTls: (issued) => ({
        ca: readFileSync(file(`${name}.crt`)),
        ...(issued ? { cert: readFileSync(issued.cert), key: readFileSync(issued.key) } : {}),
      }),
    };
  };
  return {
    dir,
    file,
    newCa: (name) => {
      openssl(
        ...['req', '-x509', ...EC, '-days', '3', '-subj', `/CN=${name}`],
        ...['-keyout', `${name}.key`, '-out', `${name}.crt`],
      );
      return ca(name);
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
