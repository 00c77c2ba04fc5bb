import type { SqlExecutor, SqlStatement } from '@ratchet/event-store';
import type { TargetRef } from '@ratchet/lifecycle';

/** A group as `group_heads` has applied it: the revision its membership rows are of. */
export interface GroupHead {
  readonly group: string;
  readonly revision: bigint;
  readonly memberCount: number;
  readonly updatedAt: string;
}

/** Of the devices asked about, those that are members, with the revision that is true at. */
export interface GroupMembership {
  readonly head: GroupHead | null;
  readonly members: readonly string[];
}

export interface GroupMemberPage {
  readonly head: GroupHead | null;
  readonly items: readonly { readonly deviceId: string }[];
  readonly next: string | null;
}

interface HeadRow {
  group_name: string;
  revision: bigint;
  member_count: number;
  updated_at: Date;
}
const toHead = (row: HeadRow): GroupHead => ({
  group: row.group_name,
  revision: BigInt(row.revision),
  memberCount: Number(row.member_count),
  updatedAt: new Date(row.updated_at).toISOString(),
});

/** One statement, so the head and the members are of one snapshot of the database. */
const MEMBERSHIP: SqlStatement = {
  name: 'ratchet_rm_group_membership',
  text: `
SELECT h.group_name, h.revision, h.member_count, h.updated_at,
       (SELECT coalesce(jsonb_agg(m.device_id), '[]'::jsonb) FROM group_members m
         WHERE m.group_name = h.group_name AND m.removed_revision IS NULL
           AND m.device_id IN (SELECT jsonb_array_elements_text($2::jsonb))) AS members
  FROM group_heads h WHERE h.group_name = $1`,
};

export const groupMembership = async (
  db: SqlExecutor,
  group: string,
  deviceIds: readonly string[],
): Promise<GroupMembership> => {
  const [row] = await db.query<HeadRow & { members: string[] }>(MEMBERSHIP, [
    group,
    JSON.stringify(deviceIds),
  ]);
  return row ? { head: toHead(row), members: row.members } : { head: null, members: [] };
};

const PAGE: SqlStatement = {
  name: 'ratchet_rm_group_members_page',
  text: `
SELECT h.group_name, h.revision, h.member_count, h.updated_at,
       (SELECT coalesce(jsonb_agg(p.device_id ORDER BY p.device_id), '[]'::jsonb) FROM (
          SELECT m.device_id FROM group_members m
           WHERE m.group_name = h.group_name AND m.removed_revision IS NULL AND m.device_id > $2
           ORDER BY m.device_id LIMIT $3) p) AS members
  FROM group_heads h WHERE h.group_name = $1`,
};

/** The cursor is the last id of a page, opaque to clients. */
export const encodeMemberCursor = (deviceId: string): string =>
  Buffer.from(JSON.stringify(['m', deviceId]), 'utf8').toString('base64url');
export const decodeMemberCursor = (cursor: string): string | null => {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(cursor)) return null;
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    return Array.isArray(v) && v.length === 2 && v[0] === 'm' && typeof v[1] === 'string'
      ? v[1]
      : null;
  } catch {
    return null;
  }
};

/** Current members by id; `head: null` when the group is unknown (to the read model). */
export const listGroupMembers = async (
  db: SqlExecutor,
  group: string,
  limit: number,
  after: string | null,
): Promise<GroupMemberPage> => {
  const [row] = await db.query<HeadRow & { members: string[] }>(PAGE, [
    group,
    after ?? '',
    limit + 1,
  ]);
  if (!row) return { head: null, items: [], next: null };
  const ids = row.members.slice(0, limit);
  return {
    head: toHead(row),
    items: ids.map((deviceId) => ({ deviceId })),
    next: row.members.length > limit ? encodeMemberCursor(ids[ids.length - 1]!) : null,
  };
};

const HEAD: SqlStatement = {
  name: 'ratchet_rm_group_head',
  text: `SELECT group_name, revision, member_count, updated_at FROM group_heads WHERE group_name = $1`,
};
export const groupHead = async (db: SqlExecutor, group: string): Promise<GroupHead | null> => {
  const [row] = await db.query<HeadRow>(HEAD, [group]);
  return row ? toHead(row) : null;
};

/** Members at revision $2, by id, after $3. */
const SNAPSHOT: SqlStatement = {
  name: 'ratchet_rm_group_snapshot_page',
  text: `
SELECT device_id FROM group_members
 WHERE group_name = $1 AND added_revision <= $2
   AND (removed_revision IS NULL OR removed_revision > $2) AND device_id > $3
 ORDER BY device_id LIMIT $4`,
};

/**
 * Members that joined after the snapshot ($2), by (joining revision, id), after ($3, $4): each
 * device once, at its first joining after the snapshot, and never one that was in the snapshot
 * (a target gets one child; a removed and re-added device would be a second).
 */
const ADDITIONS: SqlStatement = {
  name: 'ratchet_rm_group_additions_page',
  text: `
SELECT g.device_id, g.added_revision FROM group_members g
 WHERE g.group_name = $1 AND g.added_revision > $2
   AND (g.added_revision > $3 OR (g.added_revision = $3 AND g.device_id > $4))
   AND NOT EXISTS (
     SELECT 1 FROM group_members e
      WHERE e.group_name = g.group_name AND e.device_id = g.device_id
        AND e.added_revision < g.added_revision
        AND (e.added_revision > $2 OR e.removed_revision IS NULL OR e.removed_revision > $2))
 ORDER BY g.added_revision, g.device_id LIMIT $5`,
};

/**
 * A fleet's next targets after `through`, in rollout order: the members at `snapshotRevision`
 * by id, then (continuous) those who joined later. `null` while the read model has not applied
 * the snapshot's revision yet (its rows would be incomplete).
 */
export const groupTargets = async (
  db: SqlExecutor,
  group: string,
  snapshotRevision: bigint,
  continuous: boolean,
  through: TargetRef | null,
  limit: number,
): Promise<TargetRef[] | null> => {
  const head = await groupHead(db, group);
  if (!head || head.revision < snapshotRevision) return null;
  const snap = snapshotRevision.toString();
  const out: TargetRef[] = [];
  const inSnapshot = through === null || BigInt(through.groupRevision ?? -1) <= snapshotRevision;
  if (inSnapshot) {
    const rows = await db.query<{ device_id: string }>(SNAPSHOT, [
      group,
      snap,
      through?.deviceId ?? '',
      limit,
    ]);
    for (const r of rows)
      out.push({ deviceId: r.device_id, groupRevision: Number(snapshotRevision) });
  }
  if (!continuous || out.length >= limit) return out;
  const [afterRevision, afterId] = inSnapshot
    ? [snap, '']
    : [String(through!.groupRevision), through!.deviceId];
  const rows = await db.query<{ device_id: string; added_revision: bigint }>(ADDITIONS, [
    group,
    snap,
    afterRevision,
    afterId,
    limit - out.length,
  ]);
  for (const r of rows)
    out.push({ deviceId: r.device_id, groupRevision: Number(r.added_revision) });
  return out;
};
