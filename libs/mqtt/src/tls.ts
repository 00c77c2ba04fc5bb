/**
 * TLS to the broker (`mqtts://`): the CA to trust, a client certificate and its key, read from
 * files and checked before the first connection, so that a wrong path, an expired certificate or
 * a key that belongs to another certificate stops the start with one message that names the
 * setting — instead of a reconnect loop that says "connection closed". Verification of the
 * broker's certificate is always on: nothing here can turn it off, and the socket is given
 * `rejectUnauthorized: true` explicitly so that NODE_TLS_REJECT_UNAUTHORIZED=0 cannot either.
 */
import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type tls from 'node:tls';

/** Paths of PEM files. */
export interface MqttTlsFiles {
  /** The CA (or CAs) that signed the broker's certificate; default: Node's public CAs. */
  readonly caFile?: string;
  /** The client certificate (for brokers that require one); needs `keyFile`. */
  readonly certFile?: string;
  /** The client certificate's private key (unencrypted PEM). */
  readonly keyFile?: string;
}

/** What to call each file in a message: the service names its variables, a library its options. */
export interface MqttTlsFileNames {
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
  readonly url: string;
}

export const TLS_ENV_NAMES: MqttTlsFileNames = {
  caFile: 'MQTT_CA_FILE',
  certFile: 'MQTT_CERT_FILE',
  keyFile: 'MQTT_KEY_FILE',
  url: 'MQTT_URL',
};

export const TLS_OPTION_NAMES: MqttTlsFileNames = {
  caFile: 'mqtt.tls.caFile',
  certFile: 'mqtt.tls.certFile',
  keyFile: 'mqtt.tls.keyFile',
  url: 'mqtt.url',
};

export class MqttTlsConfigError extends Error {
  override readonly name = 'MqttTlsConfigError';
  constructor(readonly problems: readonly string[]) {
    super(`MQTT TLS settings are not usable:\n  - ${problems.join('\n  - ')}`);
  }
}

/** TLS socket options from the files; every problem at once (empty list: usable). */
export function checkTlsFiles(
  files: MqttTlsFiles,
  names: MqttTlsFileNames = TLS_OPTION_NAMES,
  now: Date = new Date(),
): { readonly options: tls.ConnectionOptions; readonly problems: readonly string[] } {
  const problems: string[] = [];
  const read = (key: keyof MqttTlsFiles): Buffer | undefined => {
    const path = files[key];
    if (path === undefined) return undefined;
    try {
      return readFileSync(path);
    } catch (e) {
      problems.push(`${names[key]}=${path}: ${fileProblem(e)}`);
      return undefined;
    }
  };
  const ca = read('caFile');
  const cert = read('certFile');
  const key = read('keyFile');
  if (ca) {
    const certificates = pemCertificates(ca);
    if (certificates.length === 0)
      problems.push(
        `${names.caFile}=${files.caFile}: holds no PEM certificate (BEGIN CERTIFICATE)`,
      );
    for (const pem of certificates)
      problems.push(...certificateProblems(pem, `${names.caFile}=${files.caFile}`, now));
  }
  let leaf: X509Certificate | undefined;
  if (cert) {
    const [first] = pemCertificates(cert);
    if (first === undefined)
      problems.push(
        `${names.certFile}=${files.certFile}: holds no PEM certificate (BEGIN CERTIFICATE)`,
      );
    else {
      const found = certificateProblems(first, `${names.certFile}=${files.certFile}`, now);
      problems.push(...found);
      if (found.length === 0) leaf = new X509Certificate(first);
    }
  }
  let privateKey: KeyObject | undefined;
  if (key) {
    try {
      privateKey = createPrivateKey(key);
    } catch (e) {
      problems.push(
        `${names.keyFile}=${files.keyFile}: not an unencrypted PEM private key (${(e as Error).message})`,
      );
    }
  }
  if (files.certFile !== undefined && files.keyFile === undefined)
    problems.push(
      `${names.certFile} is set without ${names.keyFile}: a client certificate needs its key`,
    );
  if (files.keyFile !== undefined && files.certFile === undefined)
    problems.push(`${names.keyFile} is set without ${names.certFile}`);
  if (leaf && privateKey && !leaf.checkPrivateKey(privateKey))
    problems.push(
      `${names.keyFile}=${files.keyFile} is not the key of ${names.certFile}=${files.certFile} (${subjectOf(leaf)})`,
    );
  return {
    options: {
      // Always: the broker proves who it is. NODE_TLS_REJECT_UNAUTHORIZED=0 does not apply.
      rejectUnauthorized: true,
      ...(ca ? { ca } : {}),
      ...(cert ? { cert } : {}),
      ...(key ? { key } : {}),
    },
    problems,
  };
}

const isSecureUrl = (url: string): boolean => /^(mqtts|ssl|tls):/i.test(url.trim());
const anyFile = (f: MqttTlsFiles): boolean =>
  f.caFile !== undefined || f.certFile !== undefined || f.keyFile !== undefined;

/**
 * The socket's TLS options for `url`, or undefined for a plain URL without TLS files. Throws
 * `MqttTlsConfigError` naming every problem — including TLS files given with a plain `mqtt://`
 * URL, which would otherwise be ignored without a word.
 */
export function mqttTlsOptions(
  url: string,
  files: MqttTlsFiles = {},
  names: MqttTlsFileNames = TLS_OPTION_NAMES,
  now: Date = new Date(),
): tls.ConnectionOptions | undefined {
  const secure = isSecureUrl(url);
  if (!secure && !anyFile(files)) return undefined;
  const { options, problems } = checkTlsFiles(files, names, now);
  const all = secure
    ? problems
    : [
        `${[names.caFile, names.certFile, names.keyFile].filter((_, i) => [files.caFile, files.certFile, files.keyFile][i] !== undefined).join(', ')} set, but ${names.url} is not mqtts:// — use mqtts://host:8883 for TLS (the files are never ignored)`,
        ...problems,
      ];
  if (all.length > 0) throw new MqttTlsConfigError(all);
  return options;
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;
const pemCertificates = (b: Buffer): string[] => b.toString('utf8').match(PEM_CERT) ?? [];

function certificateProblems(pem: string, where: string, now: Date): string[] {
  let c: X509Certificate;
  try {
    c = new X509Certificate(pem);
  } catch (e) {
    return [`${where}: a certificate that cannot be read (${(e as Error).message})`];
  }
  if (new Date(c.validTo) < now)
    return [`${where}: the certificate ${subjectOf(c)} expired on ${isoDate(c.validTo)}`];
  if (new Date(c.validFrom) > now)
    return [
      `${where}: the certificate ${subjectOf(c)} is not valid before ${isoDate(c.validFrom)} (is this machine's clock right?)`,
    ];
  return [];
}

const subjectOf = (c: X509Certificate): string => `"${c.subject.replace(/\n/g, ', ')}"`;
const isoDate = (d: string): string => new Date(d).toISOString();

function fileProblem(e: unknown): string {
  switch ((e as NodeJS.ErrnoException).code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'cannot be read (permission denied)';
    case 'EISDIR':
      return 'is a directory, not a file';
    default:
      return `cannot be read (${(e as Error).message})`;
  }
}

/** TLS failures during the handshake (string codes, like socket errors, but never transient). */
const TLS_CODES = new Set([
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_SIGNATURE_FAILURE',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'INVALID_CA',
  'ERR_SSL_WRONG_VERSION_NUMBER',
]);

/** Is this a TLS failure (a setting to fix), as opposed to a network one (worth retrying)? */
export function isTlsFailure(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (TLS_CODES.has(code) || code.startsWith('ERR_SSL_'));
}

/** One sentence on what a TLS failure means and what to change; undefined for other errors. */
export function explainTlsFailure(e: unknown, host: string): string | undefined {
  if (!isTlsFailure(e)) return undefined;
  const code = (e as { code: string }).code;
  switch (code) {
    case 'CERT_HAS_EXPIRED':
      return `the broker's certificate (or one in its chain) has expired: renew it on the broker`;
    case 'CERT_NOT_YET_VALID':
      return `the broker's certificate is not valid yet: check this machine's clock and the broker's`;
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return (
        `the broker's certificate does not name "${host}" ` +
        `(${(e as { reason?: string }).reason ?? 'name mismatch'}): connect with a name the ` +
        `certificate carries in subjectAltName, or reissue it with this one`
      );
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'CERT_SIGNATURE_FAILURE':
    case 'CERT_UNTRUSTED':
    case 'INVALID_CA':
      return `the broker's certificate is not signed by a CA this client trusts: set the CA file (MQTT_CA_FILE) to the CA that signed it`;
    case 'ERR_SSL_WRONG_VERSION_NUMBER':
      return `the broker does not speak TLS on this port (a plain listener? use mqtt:// there, or the broker's TLS port)`;
    default:
      if (/ALERT_(CERTIFICATE_REQUIRED|HANDSHAKE_FAILURE)/.test(code))
        return `the broker requires a client certificate: set the certificate and key files (MQTT_CERT_FILE, MQTT_KEY_FILE)`;
      if (
        /ALERT_(BAD_CERTIFICATE|UNKNOWN_CA|CERTIFICATE_EXPIRED|CERTIFICATE_UNKNOWN|DECRYPT_ERROR|ACCESS_DENIED)/.test(
          code,
        )
      )
        return `the broker refused this client's certificate (${code}): is it signed by the CA the broker trusts, and still valid?`;
      return `TLS failed (${code})`;
  }
}
