/**
 * The MQTT topic contract (CONTRACT.md section 3). Builders throw on invalid ids because
 * publishing to a topic built from a bad id is a programming error; the inbound parser never
 * throws because its input comes from devices.
 */
import { isDeviceId, isUuid } from '@ratchet/lifecycle';

/** Wildcards and `$`; NUL is checked apart (MQTT forbids it in every topic). */
const FORBIDDEN_RE = /[+#$]/;
const hasForbidden = (s: string): boolean => FORBIDDEN_RE.test(s) || s.includes('\u0000');

export type InboundKind = 'ack' | 'result';

function commandBase(deviceId: string, commandId: string): string {
  checkedDeviceId(deviceId);
  if (!isUuid(commandId))
    throw new TypeError(`invalid commandId for a topic: ${JSON.stringify(commandId)}`);
  return `devices/${deviceId}/commands/${commandId}`;
}

/** ledger → device, QoS 1, never retained. */
export const intentTopic = (deviceId: string, commandId: string): string =>
  commandBase(deviceId, commandId);
/** device → ledger. */
export const ackTopic = (deviceId: string, commandId: string): string =>
  `${commandBase(deviceId, commandId)}/ack`;
/** device → ledger. */
export const resultTopic = (deviceId: string, commandId: string): string =>
  `${commandBase(deviceId, commandId)}/result`;
/** ledger → anyone, retained with a message expiry: a read model. */
export const stateTopic = (deviceId: string, commandId: string): string =>
  `${commandBase(deviceId, commandId)}/state`;

function checkedDeviceId(deviceId: string): string {
  if (!isDeviceId(deviceId))
    throw new TypeError(`invalid deviceId for a topic: ${JSON.stringify(deviceId)}`);
  return deviceId;
}

/** device → ledger, QoS 1, retained: `{ online, epoch }` (CONTRACT.md section 5). */
export const presenceTopic = (deviceId: string): string =>
  `devices/${checkedDeviceId(deviceId)}/presence`;

/** What a device subscribes to for its intents (`+` is one level: not its acks or state). */
export const intentFilter = (deviceId: string): string =>
  `devices/${checkedDeviceId(deviceId)}/commands/+`;

/** The filters the ledger subscribes to (one per inbound topic family). */
/** The `{deviceId}` level of a `devices/{deviceId}/…` topic (the whole topic for any other). */
export const deviceOfTopic = (topic: string): string =>
  topic.startsWith('devices/') ? (topic.split('/', 2)[1] ?? topic) : topic;

export const ACK_FILTER = 'devices/+/commands/+/ack';
export const RESULT_FILTER = 'devices/+/commands/+/result';
export const INBOUND_FILTERS: readonly string[] = [ACK_FILTER, RESULT_FILTER];
/** Every device's presence. */
export const PRESENCE_FILTER = 'devices/+/presence';

/**
 * `$share/{group}/{filter}` (MQTT 5 shared subscription): each message goes to one member of
 * the group, so horizontally scaled ledgers handle each ack once. Aedes has no shared
 * subscriptions; only use this when the connection negotiated MQTT 5.
 */
export function sharedFilter(group: string, filter: string): string {
  // A group name is one topic level without wildcards.
  if (group.length === 0 || group.includes('/') || hasForbidden(group))
    throw new TypeError(`invalid shared subscription group: ${JSON.stringify(group)}`);
  return `$share/${group}/${filter}`;
}

export type InboundTopicRejection = 'bad_topic' | 'bad_device_id' | 'bad_command_id';

export type ParsedInboundTopic =
  | {
      readonly ok: true;
      readonly kind: InboundKind;
      readonly deviceId: string;
      readonly commandId: string;
    }
  | { readonly ok: false; readonly reason: InboundTopicRejection };

const reject = (reason: InboundTopicRejection) => ({ ok: false, reason }) as const;

/** Splits a topic into its levels, or undefined when it is not a plain topic of `n` levels. */
function levelsOf(topic: unknown, n: number): string[] | undefined {
  if (typeof topic !== 'string' || topic.length === 0 || topic.length > 512) return undefined;
  if (hasForbidden(topic)) return undefined;
  const levels = topic.split('/');
  return levels.length === n && levels.every((l) => l.length > 0) ? levels : undefined;
}

/**
 * Parses `devices/{deviceId}/commands/{commandId}/(ack|result)`. Wildcards, `$`, NUL and empty
 * levels are `bad_topic` before ids are examined, so a device cannot smuggle a filter into an
 * id. The command id is returned as written (not case-folded): matching it to a stream is the
 * ledger's job.
 */
export function parseInboundTopic(topic: unknown): ParsedInboundTopic {
  const levels = levelsOf(topic, 5);
  if (!levels || levels[0] !== 'devices' || levels[2] !== 'commands') return reject('bad_topic');
  const [, deviceId, , commandId, kind] = levels as [string, string, string, string, string];
  if (kind !== 'ack' && kind !== 'result') return reject('bad_topic');
  if (!isDeviceId(deviceId)) return reject('bad_device_id');
  if (!isUuid(commandId)) return reject('bad_command_id');
  return { ok: true, kind, deviceId, commandId };
}

export type ParsedDeviceTopic<K extends string> =
  | ({ readonly ok: true; readonly deviceId: string } & Readonly<Record<K, string>>)
  | { readonly ok: false; readonly reason: InboundTopicRejection };

/** `devices/{deviceId}/presence` → the device id. */
export function parsePresenceTopic(topic: unknown): ParsedDeviceTopic<never> {
  const levels = levelsOf(topic, 3);
  if (!levels || levels[0] !== 'devices' || levels[2] !== 'presence') return reject('bad_topic');
  if (!isDeviceId(levels[1])) return reject('bad_device_id');
  return { ok: true, deviceId: levels[1] };
}

/** The device's side: `devices/{deviceId}/commands/{commandId}` (an intent) → both ids. */
export function parseIntentTopic(topic: unknown): ParsedDeviceTopic<'commandId'> {
  const levels = levelsOf(topic, 4);
  if (!levels || levels[0] !== 'devices' || levels[2] !== 'commands') return reject('bad_topic');
  if (!isDeviceId(levels[1])) return reject('bad_device_id');
  if (!isUuid(levels[3])) return reject('bad_command_id');
  return { ok: true, deviceId: levels[1], commandId: levels[3] };
}
