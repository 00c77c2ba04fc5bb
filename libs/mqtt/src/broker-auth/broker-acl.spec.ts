/**
 * The broker ACL as data: what a device and the ledger may publish, receive and subscribe to,
 * checked against a plain statement of the rules on generated topics and filters (fast-check),
 * and subscription containment checked for soundness: a granted filter never matches a topic
 * the client may not receive.
 */
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  type BrokerPrincipal,
  filterWithin,
  mayPublish,
  mayReceive,
  maySubscribe,
  topicMatches,
} from './broker-acl.js';

const pump1: BrokerPrincipal = { role: 'device', username: 'pump-1' };
const ledger: BrokerPrincipal = { role: 'ledger', username: 'ledger' };

/** Levels that hit the rules' edges: ids, the fixed words, wildcards, `$`, empty. */
const level = fc.constantFrom(
  'devices',
  'pump-1',
  'pump-2',
  'commands',
  'c-1',
  'ack',
  'result',
  'state',
  'presence',
  '',
  '$SYS',
  'x',
);
const topic = fc.array(level, { minLength: 1, maxLength: 6 }).map((l) => l.join('/'));
const filterLevel = fc.oneof(level, fc.constant('+'));
const filter = fc
  .tuple(fc.array(filterLevel, { minLength: 0, maxLength: 5 }), fc.boolean())
  .filter(([l, hash]) => l.length > 0 || hash)
  .map(([l, hash]) => [...l, ...(hash ? ['#'] : [])].join('/'));

/** The rules in words, as regular expressions over whole topics. */
const deviceWrites = (id: string) =>
  new RegExp(`^devices/${id}/(commands/[^/]*/(ack|result)|presence)$`);
const deviceReads = (id: string) => new RegExp(`^devices/${id}/commands/[^/]*(/state)?$`);
const ledgerWrites = /^devices\/[^/]*\/commands\/[^/]*(\/state)?$/;
const ledgerReads = /^devices\/[^/]*\/(commands\/[^/]*\/(ack|result)|presence)$/;

describe('the broker ACL', () => {
  it('lets a device publish its own answers and presence only, and receive its own intents and states', () => {
    fc.assert(
      fc.property(topic, (t) => {
        expect(mayPublish(pump1, t)).toBe(deviceWrites('pump-1').test(t));
        expect(mayReceive(pump1, t)).toBe(deviceReads('pump-1').test(t));
      }),
      { numRuns: 2000 },
    );
  });

  it('lets the ledger publish intents and states, and receive answers and presence', () => {
    fc.assert(
      fc.property(topic, (t) => {
        expect(mayPublish(ledger, t)).toBe(ledgerWrites.test(t));
        expect(mayReceive(ledger, t)).toBe(ledgerReads.test(t));
      }),
      { numRuns: 2000 },
    );
  });

  it('grants a subscription only when every topic it matches may be received', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(pump1, ledger),
        filter,
        fc.array(topic, { maxLength: 30 }),
        (p, f, ts) => {
          if (!maySubscribe(p, f)) return;
          for (const t of ts) if (topicMatches(f, t)) expect(mayReceive(p, t)).toBe(true);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('containment: filterWithin(a, b) means every topic a matches, b matches', () => {
    fc.assert(
      fc.property(filter, filter, fc.array(topic, { maxLength: 30 }), (a, b, ts) => {
        if (!filterWithin(a, b)) return;
        for (const t of ts) if (topicMatches(a, t)) expect(topicMatches(b, t)).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it('grants what the SDK and the ledger subscribe to, refuses wider and foreign filters', () => {
    expect(maySubscribe(pump1, 'devices/pump-1/commands/+')).toBe(true);
    expect(maySubscribe(pump1, 'devices/pump-1/commands/+/state')).toBe(true);
    for (const f of ['#', 'devices/+/commands/+', 'devices/pump-2/commands/+', 'devices/pump-1/#'])
      expect({ f, ok: maySubscribe(pump1, f) }).toEqual({ f, ok: false });
    for (const f of [
      'devices/+/commands/+/ack',
      'devices/+/commands/+/result',
      'devices/+/presence',
    ])
      expect(maySubscribe(ledger, f)).toBe(true);
    expect(maySubscribe(ledger, '$share/ratchet/devices/+/commands/+/ack')).toBe(true);
    expect(maySubscribe(ledger, 'devices/#')).toBe(false);
  });

  it('gives an account whose name has a wildcard or a slash no rights at all', () => {
    for (const username of ['+', '#', 'a/b', ''])
      expect(mayPublish({ role: 'device', username }, `devices/${username}/presence`)).toBe(false);
  });

  it('matches as MQTT does: # also matches the parent level, wildcards never match $ topics', () => {
    expect(topicMatches('devices/#', 'devices')).toBe(true);
    expect(topicMatches('#', '$SYS/x')).toBe(false);
    expect(topicMatches('+/x', '$SYS/x')).toBe(false);
    expect(topicMatches('devices/+', 'devices/a/b')).toBe(false);
  });
});
