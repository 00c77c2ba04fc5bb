/** The CLI's lines: one per command handled, and the statistics on exit. */
import { describePlan } from '../behaviour/describe-plan.js';
import type { DeviceStats } from '../device/device-stats.js';
import type { PresenceKind, SimEvent } from '../device/sim-event.js';
import type { FleetStats } from '../fleet/start-fleet.js';

const clock = (at: Date): string => at.toISOString().slice(11, 23);

/** Undefined for events not worth a line (going offline: the MQTT logger already says so). */
export function formatEvent(e: SimEvent, at: Date): string | undefined {
  const t = clock(at);
  switch (e.type) {
    case 'intent': {
      const { commandId, name, attempt } = e.intent;
      const again = e.duplicate ? 'redelivered, repeats: ' : '';
      return `${t}  ${e.deviceId}  ${commandId}  ${name} (attempt ${attempt})  ${again}${describePlan(e.plan)}`;
    }
    case 'invalid-intent':
      return `${t}  ${e.deviceId}  ${e.commandId}  invalid intent, ignored: ${e.reason}`;
    case 'replay':
      return `${t}  ${e.deviceId}  replayed ${e.count} old answer${e.count === 1 ? '' : 's'} after a reconnect`;
    case 'connection':
      return e.state === 'reconnected' ? `${t}  connection ${e.connection} reconnected` : undefined;
    case 'presence':
      return `${t}  ${who(e.deviceIds)}  ${PRESENCE_LINES[e.kind]} ${e.online ? 'online' : 'offline'} at epoch ${e.epoch}`;
    default: {
      const _exhaustive: never = e;
      return _exhaustive;
    }
  }
}

/** A connection's devices: the one, or the first and last of a group. */
const who = (ids: readonly string[]): string =>
  ids.length === 1 ? ids[0]! : `${ids[0]} … ${ids[ids.length - 1]} (${ids.length})`;

const PRESENCE_LINES: Record<PresenceKind, string> = {
  birth: 'birth:',
  goodbye: 'goodbye (clean stop):',
  dropped: 'dropped without a goodbye, the broker sends the will:',
  'stale-will': 'stale will, an older session says',
  'replayed-birth': 'replayed birth, an older session says',
};

const LABELS: Record<keyof DeviceStats, string> = {
  intentsReceived: 'intents received',
  duplicateIntents: 'duplicate intents',
  invalidIntents: 'invalid intents',
  expiredRefused: 'expired, refused',
  silentIntents: 'left unanswered (silent)',
  acksSent: 'acks sent',
  duplicateAcksSent: 'duplicate acks sent',
  executedResultsSent: 'executed results sent',
  failedResultsSent: 'failed results sent',
  duplicateResultsSent: 'duplicate results sent',
  resultsWithoutAck: 'answered without an ack',
  resultsBeforeAck: 'answered result before ack',
  spoofsSent: 'spoofed messages sent',
  replaysSent: 'old answers replayed',
  births: 'births (sessions)',
  goodbyes: 'goodbyes (clean offline)',
  drops: 'drops (offline by will)',
  staleWillsSent: 'stale wills sent',
  replayedBirthsSent: 'replayed births sent',
};

/** Fleet totals; per device too while the fleet is small enough to read. */
export function formatStats(s: FleetStats, perDeviceUpTo = 20): string {
  const ids = Object.keys(s.devices);
  const lines = [`device-sim statistics (seed ${s.seed}, ${ids.length} devices)`];
  for (const [k, label] of Object.entries(LABELS) as [keyof DeviceStats, string][]) {
    lines.push(`  ${label.padEnd(28)} ${String(s.total[k]).padStart(8)}`);
  }
  if (ids.length <= perDeviceUpTo) {
    for (const id of ids) {
      const d = s.devices[id]!;
      const nonZero = (Object.keys(LABELS) as (keyof DeviceStats)[]).filter((k) => d[k] > 0);
      lines.push(`  ${id}: ${nonZero.map((k) => `${LABELS[k]} ${d[k]}`).join(', ') || 'nothing'}`);
    }
  }
  return lines.join('\n');
}
