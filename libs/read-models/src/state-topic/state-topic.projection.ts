import type { RecordedEvent, SqlExecutor, SqlStatement } from '@ratchet/event-store';
import {
  COMMAND_STREAM_PREFIX,
  type CommandStatus,
  TRANSITIONS,
  commandIdOfStream,
} from '@ratchet/lifecycle';
import { isLifecycleEvent } from '../command-status/fold-recorded-event.js';
import type { Projection } from '../projection/projection.js';

/** One command's state as the `…/state` topic carries it (CONTRACT.md section 3). */
export interface CommandStateMessage {
  readonly deviceId: string;
  readonly commandId: string;
  readonly status: CommandStatus;
  readonly revision: bigint;
  readonly at: Date;
}

/** Publishes (retained) and resolves once the broker has them all; throws to roll back. */
export type PublishStates = (states: readonly CommandStateMessage[]) => Promise<void>;

const LOAD: SqlStatement = {
  name: 'ratchet_rm_state_topic_load',
  text: 'SELECT command_id, device_id, status, revision FROM state_topic_commands WHERE command_id = ANY($1::text[])',
};
const SAVE: SqlStatement = {
  name: 'ratchet_rm_state_topic_save',
  text: `INSERT INTO state_topic_commands (command_id, device_id, status, revision)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[])
         ON CONFLICT (command_id) DO UPDATE
           SET status = EXCLUDED.status, revision = EXCLUDED.revision
           WHERE state_topic_commands.revision < EXCLUDED.revision`,
};

/**
 * The retained state topic as a projection. The runner moves the checkpoint first (a row lock
 * that makes the instances take turns), then calls `apply`, which publishes and waits for the
 * broker before the transaction commits. So batches are published one at a time in log order,
 * and only the latest state of each command in a batch is sent: a batch replayed after a crash
 * republishes the very states it had published, never an older one.
 */
export const stateTopicProjection = (publish: PublishStates): Projection => ({
  name: 'state_topic',
  version: 1,
  streamPrefix: COMMAND_STREAM_PREFIX,
  handles: isLifecycleEvent,

  async apply(tx: SqlExecutor, events: readonly RecordedEvent[]): Promise<void> {
    const ids = [...new Set(events.map((e) => commandIdOfStream(e.stream) as string))];
    type Row = { command_id: string; device_id: string; status: CommandStatus; revision: bigint };
    const known = new Map((await tx.query<Row>(LOAD, [ids])).map((r) => [r.command_id, r]));
    const latest = new Map<string, CommandStateMessage>();
    for (const e of events) {
      const commandId = commandIdOfStream(e.stream) as string;
      const before = latest.get(commandId) ?? fromRow(known.get(commandId));
      const deviceId = e.type === 'CommandRequested' ? String(e.data.deviceId) : before?.deviceId;
      if (!deviceId || (before && before.revision >= e.revision)) continue; // unknown or replayed
      const status = TRANSITIONS[e.type as keyof typeof TRANSITIONS].to ?? before?.status;
      if (!status) continue;
      latest.set(commandId, {
        deviceId,
        commandId,
        status,
        revision: e.revision,
        at: e.recordedAt,
      });
    }
    const states = [...latest.values()];
    if (states.length === 0) return;
    await tx.query(SAVE, [
      states.map((s) => s.commandId),
      states.map((s) => s.deviceId),
      states.map((s) => s.status),
      states.map((s) => s.revision.toString()),
    ]);
    await publish(states);
  },

  async reset(tx: SqlExecutor): Promise<void> {
    await tx.exec('DELETE FROM state_topic_commands');
  },
});

const fromRow = (
  r: { command_id: string; device_id: string; status: CommandStatus; revision: bigint } | undefined,
): CommandStateMessage | undefined =>
  r && {
    deviceId: r.device_id,
    commandId: r.command_id,
    status: r.status,
    revision: BigInt(r.revision),
    at: new Date(0),
  };
