import { describe, expect, it } from '@jest/globals';
import { clientIdFor, fleetDeviceIds, groupsOf } from './fleet.options.js';

describe('fleetDeviceIds', () => {
  it('numbers devices from 1 under the prefix', () => {
    expect(fleetDeviceIds({ devices: 3, prefix: 'pump' })).toEqual(['pump-1', 'pump-2', 'pump-3']);
    expect(fleetDeviceIds({})).toHaveLength(10);
  });

  it('takes an explicit list instead', () => {
    expect(fleetDeviceIds({ devices: 5, deviceIds: ['a', 'b'] })).toEqual(['a', 'b']);
  });

  it('refuses ids the topic contract refuses, duplicates and empty fleets', () => {
    expect(() => fleetDeviceIds({ deviceIds: ['ok', 'no/slash'] })).toThrow('no/slash');
    expect(() => fleetDeviceIds({ deviceIds: ['a', 'a'] })).toThrow('unique');
    expect(() => fleetDeviceIds({ deviceIds: [] })).toThrow('at least one');
    expect(() => fleetDeviceIds({ devices: 0 })).toThrow('≥ 1');
  });
});

describe('groupsOf', () => {
  it('fills connections in order, the last one partly', () => {
    expect(groupsOf([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(groupsOf([1, 2], 1)).toEqual([[1], [2]]);
    expect(() => groupsOf([1], 0)).toThrow('devicesPerConnection');
  });
});

describe('clientIdFor', () => {
  it('names the devices behind a connection, the same on every run', () => {
    expect(clientIdFor(['pump-1'])).toBe('device-sim:pump-1');
    expect(clientIdFor(['pump-1', 'pump-2', 'pump-3'])).toBe('device-sim:pump-1..pump-3');
  });
});
