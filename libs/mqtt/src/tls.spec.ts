import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { MqttTlsConfigError, explainTlsFailure, isTlsFailure, mqttTlsOptions } from './tls.js';
import { makeTestPki, requireOpenssl, type TestPki } from './testing/certificates.js';

(requireOpenssl() ? describe : describe.skip)('mqttTlsOptions', () => {
  let pki: TestPki;
  beforeAll(() => {
    pki = makeTestPki();
  });
  afterAll(() => pki.remove());

  it('is nothing for a plain URL without files, and always verifies for mqtts://', () => {
    expect(mqttTlsOptions('mqtt://broker:1883')).toBeUndefined();
    expect(mqttTlsOptions('mqtts://broker:8883')).toEqual({ rejectUnauthorized: true });
    const ca = pki.newCa('ca');
    const client = ca.issue('client', 'ledger');
    const o = mqttTlsOptions('mqtts://broker', {
      caFile: ca.cert,
      certFile: client.cert,
      keyFile: client.key,
    });
    expect(o?.rejectUnauthorized).toBe(true);
    expect([o?.ca, o?.cert, o?.key].every((b) => Buffer.isBuffer(b))).toBe(true);
  });

  it('names every problem at once, with the names it is given', () => {
    let error: unknown;
    try {
      mqttTlsOptions('mqtt://broker', { caFile: '/no/ca.pem', keyFile: '/no/key.pem' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MqttTlsConfigError);
    expect((error as MqttTlsConfigError).problems).toEqual([
      'mqtt.tls.caFile, mqtt.tls.keyFile set, but mqtt.url is not mqtts:// — use mqtts://host:8883 for TLS (the files are never ignored)',
      'mqtt.tls.caFile=/no/ca.pem: no such file',
      'mqtt.tls.keyFile=/no/key.pem: no such file',
      'mqtt.tls.keyFile is set without mqtt.tls.certFile',
    ]);
  });

  it('tells TLS failures (settings to fix) from network failures (worth retrying)', () => {
    const tlsError = Object.assign(new Error('x'), { code: 'CERT_HAS_EXPIRED' });
    expect(isTlsFailure(tlsError)).toBe(true);
    expect(isTlsFailure(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }))).toBe(false);
    expect(isTlsFailure(Object.assign(new Error('x'), { code: 5 }))).toBe(false);
    expect(explainTlsFailure(tlsError, 'h')).toContain('has expired');
    expect(explainTlsFailure({ code: 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED' }, 'h')).toContain(
      'requires a client certificate',
    );
  });
});
