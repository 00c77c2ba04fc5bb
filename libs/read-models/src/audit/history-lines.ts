import type { EventStore, RecordedEvent } from '@ratchet/event-store';
import { streamOf } from '@ratchet/lifecycle';
import type { CommandHistoryEntry } from './command-history.js';

/** One event of an export: a line of JSON, self-contained (which command, which device). */
export interface HistoryLine {
  /** `null` for an event of a fleet command's own stream. */
  readonly commandId: string | null;
  readonly deviceId: string | null;
  readonly revision: number;
  readonly type: string;
  readonly data: unknown;
  readonly metadata: unknown;
  readonly recordedAt: string;
  readonly position: string;
}

export const toHistoryLine = (
  commandId: string | null,
  deviceId: string | null,
  e: RecordedEvent,
): HistoryLine => ({
  commandId,
  deviceId,
  revision: Number(e.revision),
  type: e.type,
  data: e.data,
  metadata: e.metadata,
  recordedAt: e.recordedAt.toISOString(),
  position: e.position,
});

/** The device named by the stream's CommandRequested, if it has one. */
const deviceOf = (events: readonly RecordedEvent[]): string | null => {
  const requested = events.find((e) => e.type === 'CommandRequested');
  return typeof requested?.data.deviceId === 'string' ? requested.data.deviceId : null;
};

/** One command's stream as export lines, straight from the log; `[]` if it does not exist. */
export const commandHistoryLines = async (
  store: EventStore,
  commandId: string,
): Promise<HistoryLine[]> => {
  const events = await store.readStream(streamOf(commandId));
  const deviceId = deviceOf(events);
  return events.map((e) => toHistoryLine(commandId, deviceId, e));
};

/** Export lines of many commands' histories, command by command. */
export async function* historyLines(
  entries: AsyncIterable<CommandHistoryEntry>,
): AsyncGenerator<HistoryLine> {
  for await (const { command, events } of entries) {
    for (const e of events) yield toHistoryLine(command.state.commandId, command.state.deviceId, e);
  }
}

/** JSON with bigints as numbers (revisions are far below 2^53). */
export const toJsonLine = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? Number(v) : v));
