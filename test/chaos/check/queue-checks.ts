/**
 * Devices and queues (CONTRACT.md rules 8–10, section 5) from the log alone: each device
 * stream folds by the epoch rule (presence never moved to an older epoch), keyed commands were
 * sent one at a time per device and key in the order of their queue entries, and a superseded
 * command was never sent. A `when_online` command recorded sent while its device was recorded
 * offline is counted, not a violation: the send is decided on the device stream just before the
 * publish, and a will can be recorded between the two (it is then published again on return).
 */
import type { RecordedEvent } from '@ratchet/event-store';
import {
  type DeviceEvent,
  type DeviceState,
  TRANSITIONS,
  commandIdOfStream,
  deviceIdOfStream,
  evolveDevice,
} from '@ratchet/lifecycle';
import { type Violation, violation } from './violation.js';

export interface QueueFigures {
  readonly devices: number;
  readonly presenceEvents: number;
  readonly keyedSends: number;
  readonly superseded: number;
  readonly sentWhileRecordedOffline: number;
}

const terminal = (type: string) =>
  Object.hasOwn(TRANSITIONS, type) && TRANSITIONS[type as keyof typeof TRANSITIONS].rank === 3;

/** `log`: command and device streams together, in global log order. */
export function checkQueues(log: readonly RecordedEvent[], found: Violation[]): QueueFigures {
  const devices = new Map<string, DeviceState | null>();
  const requested = new Map<string, { deviceId: string; key: string | null; delivery: string }>();
  const endedAt = new Map<string, number>();
  const sentAt = new Map<string, number>();
  const order = new Map<string, string[]>(); // device/key → commands in queue order
  let presenceEvents = 0;
  let superseded = 0;
  let sentWhileRecordedOffline = 0;
  log.forEach((e, i) => {
    const deviceId = deviceIdOfStream(e.stream);
    if (deviceId !== null) {
      try {
        devices.set(
          deviceId,
          evolveDevice(devices.get(deviceId) ?? null, e as unknown as DeviceEvent),
        );
      } catch (error) {
        found.push(
          violation('presence_rule', `device ${deviceId} revision ${e.revision}: ${String(error)}`),
        );
      }
      if (e.type === 'DeviceCameOnline' || e.type === 'DeviceWentOffline') presenceEvents++;
      if (e.type === 'CommandQueued') {
        const { commandId, key } = e.data as { commandId: string; key: string | null };
        if (key !== null) {
          const k = `${deviceId}/${key}`;
          order.set(k, [...(order.get(k) ?? []), commandId]);
        }
      }
      return;
    }
    const id = commandIdOfStream(e.stream);
    if (id === null) return;
    if (e.type === 'CommandRequested') {
      const d = e.data as { deviceId: string; queue?: { key: string } | null; delivery?: string };
      requested.set(id, {
        deviceId: d.deviceId,
        key: d.queue?.key ?? null,
        delivery: d.delivery ?? 'when_online',
      });
    }
    if (terminal(e.type)) endedAt.set(id, i);
    if (e.type === 'CommandCancelled' && (e.data as { reason?: unknown }).reason === 'superseded') {
      superseded++;
      if (sentAt.has(id))
        found.push(
          violation('superseded_and_sent', 'cancelled as superseded after it was sent', id),
        );
    }
    if (e.type !== 'CommandSent') return;
    sentAt.set(id, i);
    const c = requested.get(id);
    if (!c) return;
    if (c.delivery === 'when_online' && devices.get(c.deviceId)?.presence.status === 'offline')
      sentWhileRecordedOffline++;
  });
  let keyedSends = 0;
  for (const [k, ids] of order) {
    ids.forEach((id, n) => {
      const sent = sentAt.get(id);
      if (sent === undefined) return;
      keyedSends++;
      for (const ahead of ids.slice(0, n)) {
        const ended = endedAt.get(ahead);
        if (ended === undefined || ended > sent)
          found.push(
            violation(
              'queue_two_in_flight',
              `${k}: sent while ${ahead}, ahead of it, was not terminal`,
              id,
            ),
          );
      }
    });
  }
  return {
    devices: devices.size,
    presenceEvents,
    keyedSends,
    superseded,
    sentWhileRecordedOffline,
  };
}
