import type { RecordedEvent, SqlExecutor, SqlStatement } from '@ratchet/event-store';
import { GROUP_EVENT_TYPES, GROUP_STREAM_PREFIX, groupOfStream } from '@ratchet/lifecycle';
import type { Projection, ProjectionContext } from '../projection/projection.js';

/**
 * `group_members`: one row per membership interval, `(group, device, added_revision,
 * removed_revision)`, and `group_heads`: each group's last applied revision and count. So "who
 * is a member now", "who was a member at revision N, by id, after X" (a fleet's snapshot) and
 * "who joined after revision N" are keyset queries, and a decision knows exactly which revision
 * its membership facts are of. A GroupMembersSet touches only the rows that change.
 */
const REMOVE_ALL_BUT: SqlStatement = {
  name: 'ratchet_rm_group_members_remove_all_but',
  text: `UPDATE group_members SET removed_revision = $2
          WHERE group_name = $1 AND removed_revision IS NULL
            AND device_id NOT IN (SELECT jsonb_array_elements_text($3::jsonb))`,
};
const ADD: SqlStatement = {
  name: 'ratchet_rm_group_members_add',
  text: `INSERT INTO group_members (group_name, device_id, added_revision)
         SELECT $1, d, $2 FROM jsonb_array_elements_text($3::jsonb) AS d
         ON CONFLICT (group_name, device_id) WHERE removed_revision IS NULL DO NOTHING`,
};
const REMOVE: SqlStatement = {
  name: 'ratchet_rm_group_members_remove',
  text: `UPDATE group_members SET removed_revision = $2
          WHERE group_name = $1 AND device_id = $3 AND removed_revision IS NULL`,
};
const HEAD: SqlStatement = {
  name: 'ratchet_rm_group_heads_upsert',
  text: `INSERT INTO group_heads AS h (group_name, revision, member_count, updated_at)
         VALUES ($1, $2, $3, $4)
         ON CONFLICT (group_name) DO UPDATE SET revision = EXCLUDED.revision,
           member_count = EXCLUDED.member_count, updated_at = EXCLUDED.updated_at
         WHERE h.revision < EXCLUDED.revision`,
};

const isIdList = (v: unknown): v is string[] =>
  Array.isArray(v) && v.every((id) => typeof id === 'string');

export const isGroupEvent = (event: RecordedEvent): boolean =>
  event.stream.startsWith(GROUP_STREAM_PREFIX) &&
  (GROUP_EVENT_TYPES as readonly string[]).includes(event.type);

export const applyGroupEvent = async (
  tx: SqlExecutor,
  event: RecordedEvent,
  context: ProjectionContext,
): Promise<void> => {
  const group = groupOfStream(event.stream) as string;
  const d = event.data as {
    deviceIds?: unknown;
    deviceId?: unknown;
    memberCount?: unknown;
    at?: unknown;
  };
  const revision = event.revision.toString();
  if (typeof d.memberCount !== 'number' || typeof d.at !== 'string') {
    context.skipped(event, 'no memberCount or at');
    return;
  }
  switch (event.type) {
    case 'GroupMembersSet':
    case 'GroupMembersAdded': {
      if (!isIdList(d.deviceIds)) return context.skipped(event, 'deviceIds is not a list of ids');
      const ids = JSON.stringify(d.deviceIds);
      if (event.type === 'GroupMembersSet') await tx.query(REMOVE_ALL_BUT, [group, revision, ids]);
      await tx.query(ADD, [group, revision, ids]);
      break;
    }
    case 'GroupMemberRemoved':
      if (typeof d.deviceId !== 'string') return context.skipped(event, 'no deviceId');
      await tx.query(REMOVE, [group, revision, d.deviceId]);
      break;
    default:
      return;
  }
  await tx.query(HEAD, [group, revision, d.memberCount, d.at]);
};

export const groupMembersProjection: Projection = {
  name: 'group_members',
  version: 1,
  streamPrefix: GROUP_STREAM_PREFIX,
  handles: isGroupEvent,

  async apply(
    tx: SqlExecutor,
    events: readonly RecordedEvent[],
    context: ProjectionContext,
  ): Promise<void> {
    // Group events are few and large (up to 10,000 ids each): one statement or two per event.
    for (const event of events) await applyGroupEvent(tx, event, context);
  },

  async reset(tx: SqlExecutor): Promise<void> {
    await tx.exec('DELETE FROM group_members; DELETE FROM group_heads');
  },
};
