import type { RecordedEvent, SqlExecutor } from '@ratchet/event-store';
import { type CommandState, COMMAND_STREAM_PREFIX, commandIdOfStream } from '@ratchet/lifecycle';
import type { Projection, ProjectionContext } from '../projection/projection.js';
import { foldRecordedEvent, isLifecycleEvent, issuerOf } from './fold-recorded-event.js';
import { loadCommandStates, writeCommandStates } from './write-command-status.js';

/**
 * `command_status`: one row per command, the lifecycle's own fold of its stream. A batch loads
 * the rows it touches, folds its events onto them in memory, and writes each changed row once.
 */
export const commandStatusProjection: Projection = {
  name: 'command_status',
  // 2: the issued_by column (a replay fills it for commands written before).
  version: 2,
  streamPrefix: COMMAND_STREAM_PREFIX,

  handles: isLifecycleEvent,

  async apply(
    tx: SqlExecutor,
    events: readonly RecordedEvent[],
    context: ProjectionContext,
  ): Promise<void> {
    const ids = [...new Set(events.map((e) => commandIdOfStream(e.stream) as string))];
    const states: Map<string, CommandState | null> = await loadCommandStates(tx, ids);
    const changed = new Set<string>();
    const issuers = new Map<string, string | null>();
    for (const event of events) {
      const id = commandIdOfStream(event.stream) as string;
      const step = foldRecordedEvent(states.get(id) ?? null, event);
      if (step.kind === 'refused') context.skipped(event, step.reason);
      if (step.kind !== 'applied') continue;
      states.set(id, step.state);
      if (event.type === 'CommandRequested') issuers.set(id, issuerOf(event));
      changed.add(id);
    }
    await writeCommandStates(
      tx,
      [...changed].map((id) => states.get(id) as CommandState),
      issuers,
    );
  },

  async reset(tx: SqlExecutor): Promise<void> {
    await tx.exec('DELETE FROM command_status');
  },
};
