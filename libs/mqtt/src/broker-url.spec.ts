import { describe, expect, it } from '@jest/globals';
import { parseBrokerUrl } from './broker-url.js';

describe('parseBrokerUrl', () => {
  it('reads host, port and credentials', () => {
    expect(parseBrokerUrl('mqtt://ledger:p%40ss@broker.local:1884')).toEqual({
      secure: false,
      host: 'broker.local',
      port: 1884,
      username: 'ledger',
      password: 'p@ss',
    });
  });

  it('defaults the port by scheme and unwraps IPv6 literals', () => {
    expect(parseBrokerUrl('tcp://127.0.0.1')).toMatchObject({ secure: false, port: 1883 });
    expect(parseBrokerUrl('mqtts://[::1]')).toMatchObject({
      secure: true,
      host: '::1',
      port: 8883,
    });
  });

  it.each(['ws://broker:8080', 'http://broker', 'broker:1883', 'not a url'])(
    'rejects %j with a hint',
    (url) => {
      expect(() => parseBrokerUrl(url)).toThrow(/mqtt:\/\//);
    },
  );
});
