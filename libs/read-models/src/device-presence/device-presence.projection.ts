import type { RecordedEvent, SqlExecutor, SqlStatement } from '@ratchet/event-store';
import {
  DEVICE_STREAM_PREFIX,
  type Presence,
  type PresenceEvent,
  PRESENCE_EVENT_TYPES,
  UNKNOWN_PRESENCE,
  canApplyPresence,
  deviceIdOfStream,
  evolvePresence,
} from '@ratchet/lifecycle';
import type { Projection, ProjectionContext } from '../projection/projection.js';

const LOAD: SqlStatement = {
  name: 'ratchet_rm_device_presence_load',
  text: `SELECT device_id, status, epoch, since, revision FROM device_presence
          WHERE device_id IN (SELECT jsonb_array_elements_text($1::jsonb))`,
};
const UPSERT: SqlStatement = {
  name: 'ratchet_rm_device_presence_upsert',
  text: `
INSERT INTO device_presence AS p (device_id, status, epoch, since, revision)
SELECT device_id, status, epoch, since, revision
  FROM jsonb_to_recordset($1::jsonb)
    AS r(device_id text, status text, epoch bigint, since timestamptz, revision bigint)
ON CONFLICT (device_id) DO UPDATE SET status = EXCLUDED.status, epoch = EXCLUDED.epoch,
  since = EXCLUDED.since, revision = EXCLUDED.revision
WHERE p.revision < EXCLUDED.revision`,
};

interface Row {
  readonly device_id: string;
  readonly status: 'online' | 'offline';
  readonly epoch: bigint | number | string;
  readonly since: Date;
  readonly revision: bigint;
}
interface Tracked {
  presence: Presence;
  revision: bigint;
}

/**
 * `device_presence`: the presence of each device's stream, folded by the lifecycle's own
 * `evolvePresence` (the epoch rule), one row per device. Queue events on the same stream only
 * move the revision.
 */
export const devicePresenceProjection: Projection = {
  name: 'device_presence',
  version: 1,
  streamPrefix: DEVICE_STREAM_PREFIX,
  handles: (e) => (PRESENCE_EVENT_TYPES as readonly string[]).includes(e.type),
  async apply(tx: SqlExecutor, events: readonly RecordedEvent[], context: ProjectionContext) {
    const ids = [...new Set(events.map((e) => deviceIdOfStream(e.stream) as string))];
    const rows = await tx.query<Row>(LOAD, [JSON.stringify(ids)]);
    const tracked = new Map<string, Tracked>(
      rows.map((r) => [
        r.device_id,
        {
          presence: { status: r.status, epoch: Number(r.epoch), since: r.since.toISOString() },
          revision: BigInt(r.revision),
        },
      ]),
    );
    const changed = new Set<string>();
    for (const event of events) {
      const id = deviceIdOfStream(event.stream) as string;
      const before = tracked.get(id) ?? { presence: UNKNOWN_PRESENCE, revision: -1n };
      if (event.revision <= before.revision) continue;
      const presenceEvent = { type: event.type, data: event.data } as unknown as PresenceEvent;
      if (!canApplyPresence(before.presence, presenceEvent)) {
        context.skipped(
          event,
          `${event.type} at epoch ${String(event.data.epoch)} cannot follow ${before.presence.status}`,
        );
        continue;
      }
      tracked.set(id, {
        presence: evolvePresence(before.presence, presenceEvent),
        revision: event.revision,
      });
      changed.add(id);
    }
    if (changed.size === 0) return;
    const out = [...changed].map((id) => {
      const t = tracked.get(id)!;
      return {
        device_id: id,
        status: t.presence.status,
        epoch: t.presence.epoch,
        since: t.presence.since,
        revision: t.revision.toString(),
      };
    });
    await tx.query(UPSERT, [JSON.stringify(out)]);
  },
  async reset(tx: SqlExecutor) {
    await tx.exec('DELETE FROM device_presence');
  },
};

const GET: SqlStatement = {
  name: 'ratchet_rm_device_presence_get',
  text: `SELECT device_id, status, epoch, since, revision FROM device_presence WHERE device_id = $1`,
};

/** `null`: the device never reported a presence (it is `unknown`). */
export const getDevicePresence = async (
  db: SqlExecutor,
  deviceId: string,
): Promise<Presence | null> => {
  const [row] = await db.query<Row>(GET, [deviceId]);
  return row
    ? { status: row.status, epoch: Number(row.epoch), since: row.since.toISOString() }
    : null;
};
