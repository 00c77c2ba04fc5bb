/**
 * One message on a device's intent filter → what the link hands on, after the dedupe memory has
 * been consulted and, for a command not seen before, written (before any handler can run).
 */
import { decodeIntent, parseIntentTopic, type Decoded, type ReceivedIntent } from '@ratchet/mqtt';
import type { DeviceStore } from '../store/device-store.port.js';
import type { IntentDelivery } from './intent-delivery.js';

export type Received =
  | { readonly ok: true; readonly delivery: IntentDelivery }
  | { readonly ok: false; readonly why: string };

export function receiveIntent(
  topic: string,
  payload: Buffer,
  at: { readonly deviceIds: ReadonlySet<string>; readonly epoch: number; readonly now: number },
  store: DeviceStore,
): Received {
  const t = parseIntentTopic(topic);
  if (!t.ok || !at.deviceIds.has(t.deviceId))
    return { ok: false, why: `message on ${topic} ignored (not an intent for this connection)` };
  const decoded = decodeIntent(payload);
  const intent: Decoded<ReceivedIntent> =
    decoded.ok && decoded.value.commandId !== t.commandId
      ? {
          ok: false,
          reason: 'bad_shape',
          detail: `commandId ${decoded.value.commandId} differs from the topic's`,
        }
      : decoded;
  const previous = store.seen(t.commandId);
  const seen = {
    commandId: t.commandId,
    deviceId: t.deviceId,
    receivedAt: at.now,
    epoch: at.epoch,
  };
  if (!previous) store.remember(seen, at.now);
  return { ok: true, delivery: { ...seen, intent, previous } };
}
