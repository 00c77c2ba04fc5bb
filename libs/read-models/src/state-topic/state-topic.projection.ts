import type { RecordedEvent, SqlDriver, SqlExecutor, SqlStatement } from '@ratchet/event-store';
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

/** Publishes (retained) and resolves once the broker has them all; throws to try again later. */
export type PublishStates = (states: readonly CommandStateMessage[]) => Promise<void>;

const LOAD: SqlStatement = {
  name: 'ratchet_rm_state_topic_load',
  text: 'SELECT command_id, device_id, status, revision FROM state_topic_commands WHERE command_id = ANY($1::text[])',
};
/** Each new state, and its command marked pending (state_topic_pending) until published. */
const SAVE: SqlStatement = {
  name: 'ratchet_rm_state_topic_save_v3',
  text: `WITH saved AS (
           INSERT INTO state_topic_commands (command_id, device_id, status, revision, at)
           SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::timestamptz[])
           ON CONFLICT (command_id) DO UPDATE
             SET status = EXCLUDED.status, revision = EXCLUDED.revision, at = EXCLUDED.at
             WHERE state_topic_commands.revision < EXCLUDED.revision
           RETURNING command_id)
         INSERT INTO state_topic_pending (command_id) SELECT command_id FROM saved
         ON CONFLICT (command_id) DO NOTHING`,
};
/** Pending rows, claimed: a claim says "a publish of this is on its way". */
const CLAIM: SqlStatement = {
  name: 'ratchet_rm_state_topic_claim_v2',
  text: `UPDATE state_topic_commands AS s SET claimed_revision = s.revision
           FROM (SELECT command_id FROM state_topic_pending LIMIT $1) AS p
          WHERE s.command_id = p.command_id
         RETURNING s.command_id, s.device_id, s.status, s.revision, s.at`,
};
/**
 * Marks what was just published and ends the pending mark of each row now published at its
 * revision; returns in the same statement the rows someone claimed meanwhile at a newer
 * revision than the one published here (the UPDATE re-reads a row whose claim or new state
 * committed while it waited for the row's lock, so such a claim is seen, and a new state keeps
 * its row pending).
 */
const MARK_OVERTAKEN: SqlStatement = {
  name: 'ratchet_rm_state_topic_mark_overtaken_v2',
  text: `WITH marked AS (
           UPDATE state_topic_commands AS s
              SET published_revision = GREATEST(COALESCE(s.published_revision, -1), v.revision)
             FROM unnest($1::text[], $2::bigint[]) AS v(command_id, revision)
            WHERE s.command_id = v.command_id
           RETURNING s.command_id, s.device_id, s.status, s.revision, s.at, s.claimed_revision,
                     s.published_revision, v.revision AS sent),
         done AS (
           DELETE FROM state_topic_pending AS p USING marked AS m
            WHERE p.command_id = m.command_id AND m.published_revision >= m.revision)
         SELECT command_id, device_id, status, revision, at FROM marked
          WHERE claimed_revision > sent`,
};

type StateRow = {
  command_id: string;
  device_id: string;
  status: CommandStatus;
  revision: bigint | string;
  at: Date | string | null;
};

const toMessage = (r: StateRow): CommandStateMessage => ({
  deviceId: r.device_id,
  commandId: r.command_id,
  status: r.status,
  revision: BigInt(r.revision),
  at: new Date(r.at ?? 0),
});

/** States published per round of `afterCommit`. */
const FLUSH_BATCH = 500;

/**
 * The retained state topic as a projection with an outbox. `apply` only records each command's
 * latest state (in the transaction that moves the checkpoint); publishing waits on the broker,
 * so it happens after the commit (`afterCommit`), never with a transaction open: on PostgreSQL
 * an open transaction pins the snapshot horizon every log reader waits behind, on PGlite it
 * blocks every append. A row is pending until published at its revision, so a crash or a broker
 * outage delays states, never loses them (at least once; each carries its revision).
 *
 * Instances publish independently, so a publish of an older state could reach the broker after
 * a newer one. Each publisher claims what it sends (`claimed_revision`) before sending it, and
 * after its PUBACKs looks again: a row claimed meanwhile at a newer revision is published once
 * more from here, after the older one on this same connection, so the broker ends with the
 * newest state.
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
      states.map((s) => s.at.toISOString()),
    ]);
  },

  async afterCommit(driver: SqlDriver): Promise<void> {
    // A claim of fewer than FLUSH_BATCH rows took all there was: what commits later is
    // claimed by the afterCommit call that follows its own commit (here or in its instance).
    for (let claimed = FLUSH_BATCH; claimed === FLUSH_BATCH;) {
      let sent = (await driver.query<StateRow>(CLAIM, [FLUSH_BATCH])).map(toMessage);
      claimed = sent.length;
      for (let round = 0; sent.length > 0 && round < 10; round += 1) {
        await publish(sent);
        const ids = sent.map((s) => s.commandId);
        const revisions = sent.map((s) => s.revision.toString());
        sent = (await driver.query<StateRow>(MARK_OVERTAKEN, [ids, revisions])).map(toMessage);
      }
    }
  },

  async reset(tx: SqlExecutor): Promise<void> {
    await tx.exec('DELETE FROM state_topic_commands; DELETE FROM state_topic_pending');
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
