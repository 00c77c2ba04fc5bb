import type { SqlExecutor, SqlStatement } from '@ratchet/event-store';
import { type CommandStatus, STATUSES, TERMINAL_STATUSES } from '@ratchet/lifecycle';
import type { DeviceSummary } from '../read-model-store.port.js';

const GET: SqlStatement = {
  name: 'ratchet_rm_device_summary_get',
  text: `SELECT * FROM device_summary WHERE device_id = $1`,
};

type SummaryRow = Record<CommandStatus, bigint> & {
  readonly device_id: string;
  readonly last_command_id: string | null;
  readonly last_command_at: Date | null;
  readonly last_seen_at: Date | null;
};

export const getDeviceSummary = async (
  db: SqlExecutor,
  deviceId: string,
): Promise<DeviceSummary | null> => {
  const [row] = await db.query<SummaryRow>(GET, [deviceId]);
  if (!row) return null;
  const byStatus = Object.fromEntries(STATUSES.map((s) => [s, Number(row[s])])) as Record<
    CommandStatus,
    number
  >;
  const terminal = TERMINAL_STATUSES.reduce((sum, s) => sum + byStatus[s], 0);
  return {
    deviceId: row.device_id,
    total: STATUSES.reduce((sum, s) => sum + byStatus[s], 0),
    byStatus,
    lastCommand:
      row.last_command_id && row.last_command_at
        ? { commandId: row.last_command_id, requestedAt: row.last_command_at.toISOString() }
        : null,
    lastSeenAt: row.last_seen_at?.toISOString() ?? null,
    successRate: terminal > 0 ? byStatus.executed / terminal : null,
  };
};
