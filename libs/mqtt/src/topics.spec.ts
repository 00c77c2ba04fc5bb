import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  ACK_FILTER,
  RESULT_FILTER,
  PRESENCE_FILTER,
  ackTopic,
  intentFilter,
  intentTopic,
  parseInboundTopic,
  parseIntentTopic,
  parsePresenceTopic,
  presenceTopic,
  resultTopic,
  sharedFilter,
  stateTopic,
} from './topics.js';

const CMD = '0b7f6a2e-4c1d-4e8a-9f3b-2d5c6e7f8a9b';

describe('topic builders', () => {
  it('build the four topics of a command', () => {
    expect(intentTopic('pump-17', CMD)).toBe(`devices/pump-17/commands/${CMD}`);
    expect(ackTopic('pump-17', CMD)).toBe(`devices/pump-17/commands/${CMD}/ack`);
    expect(resultTopic('pump-17', CMD)).toBe(`devices/pump-17/commands/${CMD}/result`);
    expect(stateTopic('pump-17', CMD)).toBe(`devices/pump-17/commands/${CMD}/state`);
  });

  it.each(['', 'a/b', '+', '#', '-leading', 'x'.repeat(65), 'pump 17'])(
    'refuse device id %j',
    (id) => {
      expect(() => intentTopic(id, CMD)).toThrow(TypeError);
    },
  );

  it('refuse a command id that is not a UUID', () => {
    expect(() => ackTopic('pump-17', 'not-a-uuid')).toThrow(/commandId/);
  });

  it('build the inbound filters and their shared form', () => {
    expect(ACK_FILTER).toBe('devices/+/commands/+/ack');
    expect(RESULT_FILTER).toBe('devices/+/commands/+/result');
    expect(sharedFilter('ratchet', ACK_FILTER)).toBe('$share/ratchet/devices/+/commands/+/ack');
  });

  it.each(['', 'a/b', 'g+', 'g#', '$g'])('refuse shared group %j', (group) => {
    expect(() => sharedFilter(group, ACK_FILTER)).toThrow(TypeError);
  });
});

describe('parseInboundTopic', () => {
  it('accepts ack and result topics', () => {
    expect(parseInboundTopic(`devices/pump-17/commands/${CMD}/ack`)).toEqual({
      ok: true,
      kind: 'ack',
      deviceId: 'pump-17',
      commandId: CMD,
    });
    expect(parseInboundTopic(`devices/a.b_c-9/commands/${CMD.toUpperCase()}/result`)).toEqual({
      ok: true,
      kind: 'result',
      deviceId: 'a.b_c-9',
      commandId: CMD.toUpperCase(),
    });
  });

  it.each([
    ['the intent topic', `devices/pump-17/commands/${CMD}`],
    ['the state topic', `devices/pump-17/commands/${CMD}/state`],
    ['an unknown suffix', `devices/pump-17/commands/${CMD}/acks`],
    ['an extra level', `devices/pump-17/commands/${CMD}/ack/x`],
    ['a leading slash', `/devices/pump-17/commands/${CMD}/ack`],
    ['a trailing slash', `devices/pump-17/commands/${CMD}/ack/`],
    ['an empty device level', `devices//commands/${CMD}/ack`],
    ['a wrong root', `device/pump-17/commands/${CMD}/ack`],
    ['a wrong middle level', `devices/pump-17/command/${CMD}/ack`],
    ['a + wildcard', `devices/+/commands/${CMD}/ack`],
    ['a # wildcard', `devices/pump-17/commands/#`],
    ['a $ character', `devices/pump$/commands/${CMD}/ack`],
    ['a NUL character', `devices/pump\u0000/commands/${CMD}/ack`],
    ['an empty string', ''],
  ])('rejects %s as bad_topic', (_what, topic) => {
    expect(parseInboundTopic(topic)).toEqual({ ok: false, reason: 'bad_topic' });
  });

  it.each(['-pump', 'pump 17', 'x'.repeat(65), 'pümp'])('rejects device id %j', (id) => {
    expect(parseInboundTopic(`devices/${id}/commands/${CMD}/ack`)).toEqual({
      ok: false,
      reason: 'bad_device_id',
    });
  });

  it.each(['42', `${CMD}0`, CMD.replace(/-/g, ''), 'g'.repeat(8) + CMD.slice(8)])(
    'rejects command id %j',
    (id) => {
      expect(parseInboundTopic(`devices/pump-17/commands/${id}/result`)).toEqual({
        ok: false,
        reason: 'bad_command_id',
      });
    },
  );

  it('rejects non-strings without throwing', () => {
    for (const v of [undefined, null, 42, {}, Buffer.from('devices')]) {
      expect(parseInboundTopic(v)).toEqual({ ok: false, reason: 'bad_topic' });
    }
  });

  const deviceId = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/);

  it('round-trips every valid device id and UUID (property)', () => {
    fc.assert(
      fc.property(deviceId, fc.uuid(), fc.constantFrom('ack', 'result'), (d, c, kind) => {
        const topic = kind === 'ack' ? ackTopic(d, c) : resultTopic(d, c);
        expect(parseInboundTopic(topic)).toEqual({ ok: true, kind, deviceId: d, commandId: c });
      }),
    );
  });

  it('never throws, and never accepts a topic with a wildcard or an empty level (property)', () => {
    const level = fc.oneof(
      deviceId,
      fc.uuid(),
      fc.constantFrom('devices', 'commands', 'ack', 'result', '', '+', '#', '$x'),
    );
    const topic = fc.oneof(
      fc.string(),
      fc.array(level, { maxLength: 7 }).map((ls) => ls.join('/')),
    );
    fc.assert(
      fc.property(topic, (t) => {
        const r = parseInboundTopic(t);
        if (r.ok) {
          expect(t).not.toMatch(/[+#$]|\/\/|^\/|\/$/);
          expect(t).toBe(`devices/${r.deviceId}/commands/${r.commandId}/${r.kind}`);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('the device side of the topics', () => {
  it("builds the presence topic, its filter and a device's intent filter", () => {
    expect(presenceTopic('pump-17')).toBe('devices/pump-17/presence');
    expect(PRESENCE_FILTER).toBe('devices/+/presence');
    expect(intentFilter('pump-17')).toBe('devices/pump-17/commands/+');
    expect(() => presenceTopic('a/b')).toThrow(TypeError);
    expect(() => intentFilter('#')).toThrow(TypeError);
  });

  it('parses a presence topic and refuses anything else', () => {
    expect(parsePresenceTopic('devices/pump-17/presence')).toEqual({
      ok: true,
      deviceId: 'pump-17',
    });
    expect(parsePresenceTopic('devices/+/presence')).toEqual({ ok: false, reason: 'bad_topic' });
    expect(parsePresenceTopic('devices/pump-17/status')).toEqual({
      ok: false,
      reason: 'bad_topic',
    });
    expect(parsePresenceTopic('devices/-x/presence')).toEqual({
      ok: false,
      reason: 'bad_device_id',
    });
    expect(parsePresenceTopic(`devices/pump-17/commands/${CMD}`)).toMatchObject({ ok: false });
  });

  it("parses an intent topic into both ids and refuses its answers' topics", () => {
    expect(parseIntentTopic(intentTopic('pump-17', CMD))).toEqual({
      ok: true,
      deviceId: 'pump-17',
      commandId: CMD,
    });
    expect(parseIntentTopic(ackTopic('pump-17', CMD))).toEqual({ ok: false, reason: 'bad_topic' });
    expect(parseIntentTopic('devices/pump-17/commands/42')).toEqual({
      ok: false,
      reason: 'bad_command_id',
    });
    expect(parseIntentTopic(`devices//commands/${CMD}`)).toEqual({
      ok: false,
      reason: 'bad_topic',
    });
  });

  it('never throws on any text (property)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.anything()), (t) => {
        expect(typeof parsePresenceTopic(t).ok).toBe('boolean');
        expect(typeof parseIntentTopic(t).ok).toBe('boolean');
      }),
    );
  });
});
