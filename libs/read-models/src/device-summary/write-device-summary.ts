import type { SqlExecutor, SqlStatement } from '@ratchet/event-store';
import { STATUSES } from '@ratchet/lifecycle';
import type { DeviceDelta, TrackedCommand } from './summarise-events.js';

const LOAD: SqlStatement = {
  name: 'ratchet_rm_device_commands_load',
  text: `SELECT command_id, device_id, status, revision FROM device_summary_commands
          WHERE command_id IN (SELECT jsonb_array_elements_text($1::jsonb))`,
};

const TRACK: SqlStatement = {
  name: 'ratchet_rm_device_commands_track',
  text: `
INSERT INTO device_summary_commands AS t (command_id, device_id, status, revision)
SELECT command_id, device_id, status, revision
  FROM jsonb_to_recordset($1::jsonb)
    AS r(command_id text, device_id text, status text, revision bigint)
ON CONFLICT (command_id) DO UPDATE SET status = EXCLUDED.status, revision = EXCLUDED.revision
WHERE t.revision < EXCLUDED.revision`,
};

const counts = STATUSES.join(', ');
const countTypes = STATUSES.map((s) => `${s} bigint`).join(', ');
const addCounts = STATUSES.map((s) => `${s} = d.${s} + EXCLUDED.${s}`).join(', ');
/** Is the batch's last command newer than the row's, by the (requested_at, command_id) key? */
const newer = `(d.last_command_at IS NULL OR (EXCLUDED.last_command_at, EXCLUDED.last_command_id)
                > (d.last_command_at, d.last_command_id))`;

/** Counts are deltas added to the row: correct because each event is applied exactly once. */
const UPSERT: SqlStatement = {
  name: 'ratchet_rm_device_summary_upsert',
  text: `
INSERT INTO device_summary AS d (device_id, ${counts}, last_command_id, last_command_at, last_seen_at)
SELECT device_id, ${counts}, last_command_id, last_command_at, last_seen_at
  FROM jsonb_to_recordset($1::jsonb) AS r(device_id text, ${countTypes},
       last_command_id text, last_command_at timestamptz, last_seen_at timestamptz)
ON CONFLICT (device_id) DO UPDATE SET ${addCounts},
  last_command_id = CASE WHEN ${newer} THEN EXCLUDED.last_command_id ELSE d.last_command_id END,
  last_command_at = CASE WHEN ${newer} THEN EXCLUDED.last_command_at ELSE d.last_command_at END,
  last_seen_at = GREATEST(d.last_seen_at, EXCLUDED.last_seen_at)`,
};

interface TrackedRow {
  readonly command_id: string;
  readonly device_id: string;
  readonly status: TrackedCommand['status'];
  readonly revision: bigint;
}

export const loadTracked = async (
  tx: SqlExecutor,
  commandIds: readonly string[],
): Promise<Map<string, TrackedCommand>> => {
  const rows = await tx.query<TrackedRow>(LOAD, [JSON.stringify(commandIds)]);
  return new Map(
    rows.map((r) => [
      r.command_id,
      { commandId: r.command_id, deviceId: r.device_id, status: r.status, revision: r.revision },
    ]),
  );
};

export const writeDeviceSummary = async (
  tx: SqlExecutor,
  changed: readonly TrackedCommand[],
  devices: readonly DeviceDelta[],
): Promise<void> => {
  if (changed.length > 0) {
    const rows = changed.map((c) => ({
      command_id: c.commandId,
      device_id: c.deviceId,
      status: c.status,
      revision: c.revision.toString(),
    }));
    await tx.query(TRACK, [JSON.stringify(rows)]);
  }
  if (devices.length === 0) return;
  const rows = devices.map((d) => ({
    device_id: d.deviceId,
    ...Object.fromEntries(STATUSES.map((s) => [s, d.counts[s] ?? 0])),
    last_command_id: d.lastCommand?.commandId ?? null,
    last_command_at: d.lastCommand?.at ?? null,
    last_seen_at: d.lastSeenAt,
  }));
  await tx.query(UPSERT, [JSON.stringify(rows)]);
};
