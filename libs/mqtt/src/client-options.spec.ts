import { describe, expect, it } from '@jest/globals';
import type { IConnackPacket } from 'mqtt';
import { capabilitiesOf, clientOptions } from './client-options.js';
import { parseBrokerUrl } from './broker-url.js';

const address = parseBrokerUrl('mqtt://ledger:pw@127.0.0.1:1883');
const connack = (properties?: IConnackPacket['properties']): IConnackPacket =>
  ({
    cmd: 'connack',
    sessionPresent: false,
    ...(properties ? { properties } : {}),
  }) as IConnackPacket;

describe('clientOptions', () => {
  it('asks a v5 broker to keep a persistent session, and takes credentials from the URL', () => {
    const o = clientOptions(address, 5, { url: '', clientId: 'ledger-1', clean: false });
    expect(o).toMatchObject({
      protocolVersion: 5,
      clean: false,
      clientId: 'ledger-1',
      username: 'ledger',
      password: 'pw',
      reconnectPeriod: 0,
      properties: { sessionExpiryInterval: 3600 },
    });
  });

  it('sends no MQTT 5 properties to a 3.1.1 broker', () => {
    const o = clientOptions(address, 4, { url: '', clientId: 'ledger-1', clean: false });
    expect(o.properties).toBeUndefined();
  });

  it('refuses a persistent session without a stable client id', () => {
    expect(() => clientOptions(address, 5, { url: '', clean: false })).toThrow(/clientId/);
  });
});

describe('capabilitiesOf', () => {
  it('reads what a v5 broker announced; absent means available', () => {
    expect(capabilitiesOf(5, connack())).toEqual({
      sharedSubscriptions: true,
      messageExpiry: true,
      retain: true,
      maximumQoS: 2,
    });
    expect(
      capabilitiesOf(5, connack({ sharedSubscriptionAvailable: false, maximumQoS: 1 })),
    ).toMatchObject({
      sharedSubscriptions: false,
      maximumQoS: 1,
    });
  });

  it('grants nothing MQTT 5 under 3.1.1', () => {
    expect(capabilitiesOf(4, connack())).toMatchObject({
      sharedSubscriptions: false,
      messageExpiry: false,
    });
  });
});
