/**
 * Spoofed answers (a device answering on another device's topic) must change nothing: every
 * event recorded from MQTT came on the command's own device topic, and every recorded result
 * (which the simulator signs with the answering device's id) is the command's device's.
 */
import type { CommandState } from '@ratchet/lifecycle';
import type { Streams } from './log-reader.js';
import { type Violation, violation } from './violation.js';

const deviceOf = (output: unknown): unknown =>
  typeof output === 'object' && output !== null
    ? (output as { device?: unknown }).device
    : undefined;

export function checkSpoofs(
  streams: Streams,
  states: Map<string, CommandState>,
  found: Violation[],
): number {
  let fromDevices = 0;
  for (const [id, events] of streams) {
    const s = states.get(id);
    if (!s) continue;
    for (const e of events) {
      const topic = (e.metadata as { mqtt?: { topic?: unknown } }).mqtt?.topic;
      if (typeof topic === 'string') {
        fromDevices++;
        const topicDevice = topic.split('/')[1];
        if (topicDevice !== s.deviceId)
          found.push(
            violation('spoof_recorded', `${e.type} at revision ${e.revision} came on ${topic}`, id),
          );
      }
      const signed = deviceOf((e.data as { output?: unknown }).output);
      if (signed !== undefined && signed !== s.deviceId)
        found.push(
          violation('foreign_result', `${e.type} carries the result of ${String(signed)}`, id),
        );
    }
  }
  return fromDevices;
}
