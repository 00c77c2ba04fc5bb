/**
 * Generators of device messages for the MQTT fuzz: they steer towards interesting bytes (every
 * kind of malformed JSON, wrong types, huge, empty, invalid UTF-8, wildcards, wrong levels,
 * other devices' ids, case-changed UUIDs, retain flags); the oracle, not the label, decides.
 */
import fc from 'fast-check';
import type { RealCommand } from './inbound-oracle.js';

export interface FuzzMessage {
  readonly topic: string | Buffer;
  readonly payload: Buffer;
  readonly qos: 0 | 1;
  readonly retain: boolean;
  /** Which generator made it, for the failure report only. */
  readonly label: string;
}

export const utf8 = (s: string): Buffer => Buffer.from(s, 'utf8');
/** Strings a device might send: NUL and other controls, quotes, emoji, RTL, no lone surrogates. */
const deviceText = (maxLength: number) =>
  fc.string({
    maxLength,
    unit: fc.oneof(
      fc.constantFrom('\u0000', '\u001f', '"', '\\', '/', '\u2028', '\u202e', '💥', 'é', 'ß', '中'),
      fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }),
    ),
  });
const outputValue = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.jsonValue({ maxDepth: 2, stringUnit: 'grapheme' }),
  deviceText(40),
  fc.constantFrom(null, 0, -0, 1e308, -1.5, true, '', [], {}),
);
/** JSON text with its keys in the given order and random whitespace between tokens. */
const jsonText = (entries: [string, unknown][], ws: string): string =>
  `${ws}{${entries.map(([k, v]) => `${ws}${JSON.stringify(k)}${ws}:${JSON.stringify(v)}`).join(',')}}${ws}`;
const whitespace = fc.constantFrom('', ' ', '\n', '\t', ' \r\n ');

const validAck = fc.constantFrom('', '{}', ' {} ', '{ }\n', '\t{}\r\n').map(utf8);
export const validResult = fc
  .record({
    status: fc.constantFrom('executed', 'failed'),
    output: fc.option(outputValue, { nil: undefined }),
    error: fc.option(deviceText(60), { nil: undefined }),
    order: fc.boolean(),
    ws: whitespace,
  })
  .map(({ status, output, error, order, ws }) => {
    const entries: [string, unknown][] = [['status', status]];
    if (output !== undefined) entries.push(['output', output]);
    if (error !== undefined && status === 'failed') entries.push(['error', error]);
    return utf8(jsonText(order ? entries.reverse() : entries, ws));
  });

const malformedJson = fc
  .oneof(
    fc.constantFrom(
      '{',
      '}',
      '{"status":',
      '{"status":"executed"',
      "{'status':'executed'}",
      '{status:executed}',
      '{"status":"executed",}',
      '{"status":"executed"}}',
      'NaN',
      'undefined',
      '{"status":"executed"}\u0000',
      ' ',
    ),
    deviceText(40).filter((s) => s.trim() !== '' && !isJson(s)),
    validResult.map((b) => b.subarray(0, Math.max(1, b.length - 2))).filter((b) => !isJson(b)),
  )
  .map((s) => (typeof s === 'string' ? utf8(s) : s));
function isJson(s: string | Buffer): boolean {
  try {
    JSON.parse(s.toString());
    return true;
  } catch {
    return false;
  }
}
const invalidUtf8 = fc.constantFrom(
  Buffer.from([0x7b, 0xff, 0xfe, 0x7d]),
  Buffer.from('{"status":"executed","output":"\xc3\x28"}', 'latin1'),
  Buffer.from([0x7b, 0x7d, 0x80]),
  Buffer.from('{"status":"', 'utf8').subarray(0, 3),
  Buffer.from([0xc0, 0xaf]), // overlong "/"
  Buffer.from([0xed, 0xa0, 0x80]), // a surrogate encoded in UTF-8 (CESU)
  Buffer.concat([utf8('{"status":"executed","output":"'), Buffer.from([0xf8, 0x88]), utf8('"}')]),
);
const notAnObject = fc
  .constantFrom('null', '[]', '[{}]', '"executed"', '42', 'true', '-0', '1e999', '"{}"')
  .map(utf8);
const badResultShape = fc
  .oneof(
    fc.constant({}),
    fc.record({ output: outputValue }),
    fc.record({
      status: fc.constantFrom('Executed', 'EXECUTED', 'ok', '', 'executed ', 'done', 'success'),
    }),
    fc.record({ status: fc.constantFrom(1, 0, null, true, ['executed'], { s: 'executed' }) }),
    fc.record({
      status: fc.constantFrom('executed', 'failed'),
      error: fc.constantFrom(1, null, true, {}, ['jam']),
    }),
    fc.record({ status: fc.constant('failed'), error: fc.constantFrom(42, 0) }),
  )
  .map((v) => utf8(JSON.stringify(v)));
const deepNesting = fc
  .integer({ min: 50, max: 20_000 })
  .map((n) => utf8(`${'['.repeat(n)}${']'.repeat(n)}`));
/** Huge payloads, 100–200 KiB, each a distinct kind of too-much. */
const huge = fc
  .tuple(
    fc.integer({ min: 100 * 1024, max: 200 * 1024 }),
    fc.constantFrom('garbage', 'brackets', 'string', 'invalid-utf8', 'result'),
  )
  .map(([size, kind]): Buffer => {
    switch (kind) {
      case 'garbage':
        return Buffer.alloc(size, 0x7b);
      case 'brackets':
        return utf8(`{"status":"executed","output":${'['.repeat(size / 2)}`);
      case 'string':
        return utf8(JSON.stringify('x'.repeat(size)));
      case 'invalid-utf8':
        return Buffer.alloc(size, 0xff);
      default:
        return utf8(JSON.stringify({ status: 'executed', output: 'y'.repeat(size) }));
    }
  });
/** Payloads whose verdict the contract leaves open: only sent where the topic is invalid anyway. */
const ambiguous = fc
  .oneof(
    fc.constantFrom('{"firmware":"1.2"}', '\ufeff{}', '{"status":"executed","error":"but"}'),
    fc.constant('{"status":"failed","error":"\\ud800"}'),
    fc
      .record({ status: fc.constant('executed'), extra: outputValue })
      .map((v) => JSON.stringify(v)),
    fc.constant(JSON.stringify({ status: 'failed', error: 'e'.repeat(2049) })),
  )
  .map(utf8);

const invalidCommon = [
  { weight: 4, arbitrary: malformedJson },
  { weight: 2, arbitrary: invalidUtf8 },
  { weight: 2, arbitrary: notAnObject },
  { weight: 1, arbitrary: deepNesting },
  { weight: 1, arbitrary: huge },
];
const ackPayload = fc.oneof({ weight: 6, arbitrary: validAck }, ...invalidCommon);
const resultPayload = fc.oneof(
  { weight: 8, arbitrary: validResult },
  { weight: 4, arbitrary: badResultShape },
  { weight: 1, arbitrary: fc.constant(Buffer.alloc(0)) },
  ...invalidCommon,
);
const anyPayload = fc.oneof(
  { weight: 3, arbitrary: ackPayload },
  { weight: 4, arbitrary: resultPayload },
  { weight: 1, arbitrary: ambiguous },
);

/** Messages aimed at `targets` (real commands) and everything around them. */
export function messageArbitrary(real: readonly RealCommand[]): fc.Arbitrary<FuzzMessage> {
  const cmd = fc.constantFrom(...real);
  const kind = fc.constantFrom('ack', 'result');
  const idCase = (id: string) =>
    fc.oneof(fc.constant(id), fc.constant(id.toUpperCase()), fc.mixedCase(fc.constant(id)));
  const validDevice = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/);
  const devices = [...new Set(real.map((r) => r.deviceId))];
  const safeLevel = fc
    .string({ minLength: 1, maxLength: 40, unit: 'grapheme' })
    .filter((s) => !/[/+#]/.test(s) && !s.includes('\u0000'));
  const badDevice = fc.oneof(
    fc.constantFrom('-x', '.x', '_x', 'pümp', 'pump 1', 'pump\t1', '💥', 'a'.repeat(65), 'ä'),
    safeLevel.filter((s) => !/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(s)),
  );
  const notUuid = (id: string) =>
    fc.oneof(
      fc.constantFrom(
        id.replace(/-/g, ''),
        `${id}0`,
        `{${id}}`,
        `urn:uuid:${id}`,
        `g${id.slice(1)}`,
        id.slice(0, 35),
        '42',
        '٠٠٠٠٠٠٠٠-٠٠٠٠-٠٠٠٠-٠٠٠٠-٠٠٠٠٠٠٠٠٠٠٠٠',
      ),
      safeLevel.filter((s) => !/^[0-9a-f-]{36}$/i.test(s)),
    );
  const t = (label: string, topic: fc.Arbitrary<string | Buffer>, payload = anyPayload) =>
    fc.record({ label: fc.constant(label), topic, payload });

  const own = fc.tuple(cmd, kind).chain(([c, k]) =>
    t(
      `own ${k}`,
      idCase(c.commandId).map((id) => `devices/${c.deviceId}/commands/${id}/${k}`),
      k === 'ack' ? ackPayload : resultPayload,
    ),
  );
  const spoof = fc.tuple(cmd, kind).chain(([c, k]) =>
    t(
      `spoofed ${k}`,
      fc
        .tuple(
          fc.oneof(fc.constantFrom(...devices), fc.constant(c.deviceId.toUpperCase()), validDevice),
          idCase(c.commandId),
        )
        .filter(([d]) => d !== c.deviceId)
        .map(([d, id]) => `devices/${d}/commands/${id}/${k}`),
      k === 'ack' ? ackPayload : resultPayload,
    ),
  );
  const unknown = fc.tuple(fc.oneof(fc.constantFrom(...devices), validDevice), fc.uuid(), kind);
  const shapes = fc.tuple(cmd, kind).chain(([c, k]) => {
    const base = `devices/${c.deviceId}/commands/${c.commandId}`;
    return fc.constantFrom(
      base,
      `devices/${c.deviceId}/${c.commandId}/${k}`,
      `devices/${c.deviceId}/commands`,
      'devices',
      `${c.commandId}/${k}`,
      `${base}/${k}/extra`,
      `${base}/${k}/x/y/z`,
      `x/${base}/${k}`,
      `Devices/${c.deviceId}/commands/${c.commandId}/${k}`,
      `device/${c.deviceId}/commands/${c.commandId}/${k}`,
      `devices/${c.deviceId}/Commands/${c.commandId}/${k}`,
      `${base}/${k.toUpperCase()}`,
      `${base}/${k}s`,
      `${base}/state`,
      `$${base}/${k}`,
      `$share/g/${base}/${k}`,
      `/${base}/${k}`,
      `${base}/${k}/`,
      `devices/${c.deviceId}/commands/${c.commandId}/ack/result`,
    );
  });
  const maybeDelivered = fc
    .tuple(cmd, kind)
    .chain(([c, k]) =>
      fc.constantFrom<string | Buffer>(
        `devices//commands/${c.commandId}/${k}`,
        `devices/${c.deviceId}/commands//${k}`,
        `devices/${c.deviceId}\u0000/commands/${c.commandId}/${k}`,
        `devices/${c.deviceId}/commands/${c.commandId}\u0000/${k}`,
        `devices/\ud800${c.deviceId}/commands/${c.commandId}/${k}`,
        Buffer.concat([
          utf8('devices/'),
          Buffer.from([0xff, 0xfe]),
          utf8(`/commands/${c.commandId}/${k}`),
        ]),
        Buffer.concat([
          utf8(`devices/${c.deviceId}`),
          Buffer.from([0xc3]),
          utf8(`/commands/${c.commandId}/${k}`),
        ]),
      ),
    );
  const dollar = fc
    .tuple(cmd, kind, fc.boolean())
    .map(([c, k, inDevice]) =>
      inDevice
        ? `devices/${c.deviceId}$/commands/${c.commandId}/${k}`
        : `devices/${c.deviceId}/commands/$${c.commandId}/${k}`,
    );
  const refused = fc
    .tuple(cmd, kind)
    .chain(([c, k]) =>
      fc.constantFrom(
        `devices/+/commands/${c.commandId}/${k}`,
        `devices/${c.deviceId}/commands/+/${k}`,
        `devices/${c.deviceId}/commands/${c.commandId}/#`,
        `devices/#`,
        '#',
        '+',
        `devices/${c.deviceId}+/commands/${c.commandId}/${k}`,
        `$SYS/${c.commandId}`,
        '',
      ),
    );

  const message = fc.oneof(
    { weight: 34, arbitrary: own },
    { weight: 12, arbitrary: spoof },
    {
      weight: 9,
      arbitrary: t(
        'unknown command',
        unknown.map(([d, id, k]) => `devices/${d}/commands/${id}/${k}`),
      ),
    },
    {
      weight: 8,
      arbitrary: fc.tuple(cmd, kind).chain(([c, k]) =>
        t(
          'not a UUID',
          notUuid(c.commandId).map((id) => `devices/${c.deviceId}/commands/${id}/${k}`),
        ),
      ),
    },
    {
      weight: 7,
      arbitrary: fc.tuple(cmd, kind).chain(([c, k]) =>
        t(
          'bad device id',
          badDevice.map((d) => `devices/${d}/commands/${c.commandId}/${k}`),
        ),
      ),
    },
    { weight: 4, arbitrary: t('$ in a level', dollar) },
    { weight: 9, arbitrary: t('wrong levels', shapes) },
    { weight: 4, arbitrary: t('broker-dependent topic', maybeDelivered) },
    {
      weight: 3,
      arbitrary: t(
        'long topic',
        fc
          .tuple(fc.integer({ min: 520, max: 2000 }), cmd)
          .map(([n, c]) => `devices/${'d'.repeat(n)}/commands/${c.commandId}/ack`),
      ),
    },
    { weight: 2, arbitrary: t('random topic', fc.string({ unit: 'grapheme', maxLength: 60 })) },
    { weight: 2, arbitrary: t('wildcard or reserved', refused) },
  );
  return fc
    .record({
      m: message,
      qos: fc.constantFrom<0 | 1>(0, 1, 1),
      retain: fc.integer({ min: 0, max: 19 }).map((n) => n === 0),
    })
    .map(({ m, qos, retain }) => ({
      ...m,
      qos,
      // A retained empty payload deletes the broker's retained message: whether it is also
      // forwarded differs between brokers (Aedes does not for QoS 0), so it is not sent.
      retain: retain && m.payload.length > 0,
    }));
}
