import type { RecordedEvent } from '@ratchet/event-store';
import type { CommandRecord } from '@ratchet/read-models';

/** A command as the HTTP API shows it (CONTRACT.md section 2). */
export const commandJson = ({ state: s, retriedBy }: CommandRecord) => ({
  commandId: s.commandId,
  deviceId: s.deviceId,
  name: s.name,
  payload: s.payload,
  status: s.status,
  revision: Number(s.revision),
  attempt: s.attempt,
  retryOf: s.retryOf,
  retriedBy,
  requestedAt: s.requestedAt,
  sentAt: s.sentAt,
  acknowledgedAt: s.acknowledgedAt,
  completedAt: s.completedAt,
  result: s.result ?? null,
  error: s.error,
  lateResult: s.lateResult,
});

/** An event as the API's history shows it. */
export const eventJson = (e: RecordedEvent) => ({
  revision: Number(e.revision),
  type: e.type,
  data: e.data,
  metadata: e.metadata,
  recordedAt: e.recordedAt.toISOString(),
});
