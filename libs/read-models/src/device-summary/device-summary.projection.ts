import type { RecordedEvent, SqlExecutor } from '@ratchet/event-store';
import { COMMAND_STREAM_PREFIX, commandIdOfStream } from '@ratchet/lifecycle';
import { isLifecycleEvent } from '../command-status/fold-recorded-event.js';
import type { Projection, ProjectionContext } from '../projection/projection.js';
import { summariseEvents } from './summarise-events.js';
import { loadTracked, writeDeviceSummary } from './write-device-summary.js';

/**
 * `device_summary`: per device, commands by status, the last command, when the device was last
 * heard from. It keeps its own per-command status (`device_summary_commands`) rather than
 * reading `command_status`, so each projection can lag, fail or be rebuilt on its own.
 */
export const deviceSummaryProjection: Projection = {
  name: 'device_summary',
  version: 1,
  streamPrefix: COMMAND_STREAM_PREFIX,

  handles: isLifecycleEvent,

  async apply(
    tx: SqlExecutor,
    events: readonly RecordedEvent[],
    context: ProjectionContext,
  ): Promise<void> {
    const ids = [...new Set(events.map((e) => commandIdOfStream(e.stream) as string))];
    const tracked = await loadTracked(tx, ids);
    const { changed, devices } = summariseEvents(tracked, events, context.skipped);
    await writeDeviceSummary(tx, changed, devices);
  },

  async reset(tx: SqlExecutor): Promise<void> {
    await tx.exec('DELETE FROM device_summary_commands; DELETE FROM device_summary');
  },
};
