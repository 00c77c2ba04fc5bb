import type { RecordedEvent } from '@ratchet/event-store';
import {
  type CommandEventType,
  type CommandRequestedData,
  type CommandStatus,
  commandIdOfStream,
  TRANSITIONS,
} from '@ratchet/lifecycle';

/** What the device summary remembers of each command: enough to move its count. */
export interface TrackedCommand {
  readonly commandId: string;
  readonly deviceId: string;
  readonly status: CommandStatus;
  readonly revision: bigint;
}

/** A device's change in one batch: count deltas by status and the latest facts seen. */
export interface DeviceDelta {
  readonly deviceId: string;
  readonly counts: Partial<Record<CommandStatus, number>>;
  lastCommand: { readonly commandId: string; readonly at: string } | null;
  lastSeenAt: string | null;
}

/** Input from the device itself: it acknowledged, or it reported a result (even a late one). */
const DEVICE_INPUTS: readonly CommandEventType[] = [
  'CommandAcknowledged',
  'CommandExecuted',
  'CommandFailed',
  'CommandLateResultObserved',
];

const later = (a: string | null, b: string): string =>
  a === null || Date.parse(b) > Date.parse(a) ? b : a;

/**
 * Folds a batch into per-device deltas. `tracked` holds the commands' previous status and is
 * updated in place; the same revision guard as the rows applies (stale events count nothing).
 */
export function summariseEvents(
  tracked: Map<string, TrackedCommand>,
  events: readonly RecordedEvent[],
  skipped: (event: RecordedEvent, reason: string) => void,
): { changed: TrackedCommand[]; devices: DeviceDelta[] } {
  const devices = new Map<string, DeviceDelta>();
  const changed = new Set<string>();
  const delta = (deviceId: string): DeviceDelta => {
    let d = devices.get(deviceId);
    if (!d)
      devices.set(deviceId, (d = { deviceId, counts: {}, lastCommand: null, lastSeenAt: null }));
    return d;
  };
  const count = (d: DeviceDelta, status: CommandStatus, by: number) => {
    d.counts[status] = (d.counts[status] ?? 0) + by;
  };
  for (const event of events) {
    const commandId = commandIdOfStream(event.stream) as string;
    const before = tracked.get(commandId);
    if (before && event.revision <= before.revision) continue;
    const rule = TRANSITIONS[event.type as CommandEventType];
    if (before ? !rule.from.includes(before.status) : event.type !== 'CommandRequested') {
      skipped(event, `${event.type} cannot follow ${before?.status ?? 'an empty stream'}`);
      continue;
    }
    const data = event.data as { at?: string } & Partial<CommandRequestedData>;
    const deviceId = before?.deviceId ?? (data.deviceId as string);
    const status = rule.to ?? (before as TrackedCommand).status;
    const d = delta(deviceId);
    if (before) count(d, before.status, -1);
    count(d, status, 1);
    if (event.type === 'CommandRequested') {
      const at = data.requestedAt as string;
      const last = d.lastCommand;
      const newer = last ? Date.parse(at) - Date.parse(last.at) : 1;
      if (newer > 0 || (newer === 0 && commandId > (last as { commandId: string }).commandId)) {
        d.lastCommand = { commandId, at };
      }
    }
    if (DEVICE_INPUTS.includes(event.type as CommandEventType) && data.at) {
      d.lastSeenAt = later(d.lastSeenAt, data.at);
    }
    tracked.set(commandId, { commandId, deviceId, status, revision: event.revision });
    changed.add(commandId);
  }
  return {
    changed: [...changed].map((id) => tracked.get(id) as TrackedCommand),
    devices: [...devices.values()],
  };
}
