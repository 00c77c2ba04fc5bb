import { describe, it, expect } from '@jest/globals';
import fc from 'fast-check';
import { EVENT_TYPES } from './command.js';
import {
  RATCHET_NAMESPACE,
  attemptId,
  canonicalJson,
  commandIdOfStream,
  eventIdFor,
  fingerprintOf,
  streamOf,
  uuidV5,
} from './identity.js';
import { isUuid } from './patterns.js';

const DNS_NAMESPACE = '6ba7b810-9dad-11d1-80b4-00c04fd430c8';
const ROOT = '3f2c9a1e-7b4d-4e8a-9c61-2d1f0c7d2a11';
/** Version 5 and the RFC 9562 variant (10xx), in lowercase. */
const UUID_V5 = /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('uuidV5', () => {
  it('matches the RFC 9562 test vector (DNS namespace, "www.example.com")', () => {
    expect(uuidV5('www.example.com', DNS_NAMESPACE)).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
  });

  it('matches a second published vector (Python docs: DNS namespace, "python.org")', () => {
    expect(uuidV5('python.org', DNS_NAMESPACE)).toBe('886313e1-3b8a-5372-9b90-0c9aee199e5d');
  });

  it('reads the namespace whatever its case', () => {
    expect(uuidV5('www.example.com', DNS_NAMESPACE.toUpperCase())).toBe(
      '2ed6657d-e927-568b-95e1-2665a8aea6a2',
    );
  });

  it('uses the Ratchet namespace by default', () => {
    expect(uuidV5('x')).toBe(uuidV5('x', RATCHET_NAMESPACE));
    expect(uuidV5('x')).not.toBe(uuidV5('x', DNS_NAMESPACE));
  });

  it('always sets version 5 and the RFC variant, and is deterministic', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), fc.uuid(), (name, ns) => {
        const id = uuidV5(name, ns);
        expect(id).toMatch(UUID_V5);
        expect(isUuid(id)).toBe(true);
        expect(uuidV5(name, ns)).toBe(id);
      }),
      { numRuns: 300 },
    );
  });

  it('gives different names different ids', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (a, b) => {
        fc.pre(a !== b);
        expect(uuidV5(a)).not.toBe(uuidV5(b));
      }),
      { numRuns: 300 },
    );
  });
});

describe('attemptId', () => {
  it('is the root itself for attempt 1', () => {
    expect(attemptId(ROOT, 1)).toBe(ROOT);
  });

  it('is a fresh v5 UUID for each later attempt, distinct from the root and from each other', () => {
    const ids = [2, 3, 4, 5, 6, 7, 8, 9, 10].map((n) => attemptId(ROOT, n));
    for (const id of ids) expect(id).toMatch(UUID_V5);
    expect(new Set([ROOT, ...ids]).size).toBe(10);
  });

  it('is deterministic: two instances deciding the same retry name the same command', () => {
    fc.assert(
      fc.property(fc.uuid(), fc.integer({ min: 1, max: 10 }), (root, n) => {
        expect(attemptId(root, n)).toBe(attemptId(root, n));
      }),
      { numRuns: 200 },
    );
  });

  it('gives different roots different later attempts', () => {
    fc.assert(
      fc.property(fc.uuid(), fc.uuid(), fc.integer({ min: 2, max: 10 }), (a, b, n) => {
        fc.pre(a.toLowerCase() !== b.toLowerCase());
        expect(attemptId(a, n)).not.toBe(attemptId(b, n));
      }),
      { numRuns: 200 },
    );
  });

  it('derives later attempts from the root whatever the case it was written in', () => {
    expect(attemptId(ROOT.toUpperCase(), 2)).toBe(attemptId(ROOT, 2));
  });
});

describe('eventIdFor', () => {
  it('is deterministic and different for each event type of a command', () => {
    const ids = EVENT_TYPES.map((t) => eventIdFor(ROOT, t));
    expect(EVENT_TYPES.map((t) => eventIdFor(ROOT, t))).toEqual(ids);
    expect(new Set(ids).size).toBe(EVENT_TYPES.length);
    for (const id of ids) expect(id).toMatch(UUID_V5);
  });

  it('is different for the same event type of another command', () => {
    expect(eventIdFor(ROOT, 'CommandSent')).not.toBe(eventIdFor(attemptId(ROOT, 2), 'CommandSent'));
  });
});

describe('streams and UUIDs', () => {
  it('names a command stream command-<id> and reads the id back', () => {
    expect(streamOf(ROOT)).toBe(`command-${ROOT}`);
    expect(commandIdOfStream(streamOf(ROOT))).toBe(ROOT);
    expect(commandIdOfStream(`device-${ROOT}`)).toBeNull();
  });

  it('recognises UUIDs only', () => {
    expect(isUuid(ROOT)).toBe(true);
    expect(isUuid(ROOT.toUpperCase())).toBe(true);
    expect(isUuid(`${ROOT}0`)).toBe(false);
    expect(isUuid(ROOT.replace(/-/g, ''))).toBe(false);
    expect(isUuid('not-a-uuid')).toBe(false);
    expect(isUuid(42)).toBe(false);
    expect(isUuid(null)).toBe(false);
  });
});

/** The same JSON value with every object's keys in a random order. */
const reorderKeys = (value: unknown, rng: () => number): unknown => {
  if (Array.isArray(value)) return value.map((v) => reorderKeys(v, rng));
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value).map(([k, v]) => [k, reorderKeys(v, rng)] as const);
  for (let i = entries.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [entries[i], entries[j]] = [entries[j]!, entries[i]!];
  }
  return Object.fromEntries(entries);
};
/** A JSON value as it arrives over HTTP (no -0, which JSON text cannot carry). */
const jsonValue = fc.jsonValue().map((v) => JSON.parse(JSON.stringify(v)) as unknown);

describe('canonicalJson', () => {
  it('sorts keys at every depth and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}',
    );
  });

  it('drops undefined members as JSON.stringify does', () => {
    expect(canonicalJson({ a: undefined, b: 1 })).toBe('{"b":1}');
    expect(canonicalJson([undefined, 1])).toBe('[null,1]');
    expect(canonicalJson(undefined)).toBe('null');
  });

  it('does not depend on key order (property)', () => {
    fc.assert(
      fc.property(jsonValue, fc.integer(), (value, seed) => {
        let x = seed;
        const rng = () => (x = (x * 1103515245 + 12345) & 0x7fffffff) / 0x80000000;
        expect(canonicalJson(reorderKeys(value, rng))).toBe(canonicalJson(value));
      }),
      { numRuns: 300 },
    );
  });

  it('is valid JSON for the same value (property)', () => {
    fc.assert(
      fc.property(jsonValue, (value) => {
        expect(JSON.parse(canonicalJson(value))).toEqual(value);
      }),
      { numRuns: 300 },
    );
  });
});

describe('fingerprintOf', () => {
  it('is a SHA-256 in base64url', () => {
    expect(fingerprintOf({ deviceId: 'pump-17' })).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('is equal exactly when the canonical JSON is equal (property)', () => {
    // Pairs that are often equal: b is either a reordering of a or another value.
    const pair = fc
      .tuple(jsonValue, jsonValue, fc.boolean(), fc.integer())
      .map(([a, other, same, seed]) => {
        let x = seed;
        const rng = () => (x = (x * 1103515245 + 12345) & 0x7fffffff) / 0x80000000;
        return [a, same ? reorderKeys(a, rng) : other] as const;
      });
    fc.assert(
      fc.property(pair, ([a, b]) => {
        expect(fingerprintOf(a) === fingerprintOf(b)).toBe(canonicalJson(a) === canonicalJson(b));
      }),
      { numRuns: 500 },
    );
  });

  it('tells apart bodies that differ only in a nested value or in array order', () => {
    const body = {
      deviceId: 'pump-17',
      name: 'set-speed',
      payload: { rpm: 1200, modes: ['a', 'b'] },
    };
    expect(fingerprintOf({ ...body, payload: { ...body.payload, rpm: 1201 } })).not.toBe(
      fingerprintOf(body),
    );
    expect(fingerprintOf({ ...body, payload: { ...body.payload, modes: ['b', 'a'] } })).not.toBe(
      fingerprintOf(body),
    );
    expect(fingerprintOf({ payload: body.payload, name: body.name, deviceId: body.deviceId })).toBe(
      fingerprintOf(body),
    );
  });
});
