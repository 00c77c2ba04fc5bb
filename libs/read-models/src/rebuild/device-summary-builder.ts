import type { RecordedEvent, SqlExecutor } from '@ratchet/event-store';
import { type CommandStatus, STATUSES } from '@ratchet/lifecycle';
import { deviceSummaryProjection } from '../device-summary/device-summary.projection.js';
import {
  type DeviceDelta,
  summariseEvents,
  type TrackedCommand,
} from '../device-summary/summarise-events.js';
import {
  type BuildContext,
  type BulkBuilder,
  chunks,
  type RebuildDefinition,
  WRITE_BATCH,
} from './bulk-builder.js';
import type { LogEvent } from './log-reader.js';

const COUNTS = STATUSES.join(', ');
const COUNT_TYPES = STATUSES.map((s) => `${s} bigint`).join(', ');
const DEVICE_RECORD = `r(device_id text, ${COUNT_TYPES}, last_command_id text,
  last_command_at timestamptz, last_seen_at timestamptz)`;
const DEVICE_COLUMNS = `device_id, ${COUNTS}, last_command_id, last_command_at, last_seen_at`;
const COMMAND_RECORD = 'r(command_id text, device_id text, status text, revision bigint)';

const statements = (devices: string, commands: string) => ({
  insertCommands: {
    name: `ratchet_rb_insert_${commands}`,
    text: `INSERT INTO ${commands} (command_id, device_id, status, revision)
           SELECT * FROM jsonb_to_recordset($1::jsonb) AS ${COMMAND_RECORD}`,
  },
  upsertCommands: {
    name: `ratchet_rb_upsert_${commands}`,
    text: `INSERT INTO ${commands} AS t (command_id, device_id, status, revision)
           SELECT * FROM jsonb_to_recordset($1::jsonb) AS ${COMMAND_RECORD}
           ON CONFLICT (command_id) DO UPDATE SET status = EXCLUDED.status, revision = EXCLUDED.revision
           WHERE t.revision < EXCLUDED.revision`,
  },
  insertDevices: {
    name: `ratchet_rb_insert_${devices}`,
    text: `INSERT INTO ${devices} (${DEVICE_COLUMNS})
           SELECT ${DEVICE_COLUMNS} FROM jsonb_to_recordset($1::jsonb) AS ${DEVICE_RECORD}`,
  },
  /** Tail rows carry the device's whole totals (held in memory), not deltas. */
  upsertDevices: {
    name: `ratchet_rb_upsert_${devices}`,
    text: `INSERT INTO ${devices} (${DEVICE_COLUMNS})
           SELECT ${DEVICE_COLUMNS} FROM jsonb_to_recordset($1::jsonb) AS ${DEVICE_RECORD}
           ON CONFLICT (device_id) DO UPDATE SET ${STATUSES.map((s) => `${s} = EXCLUDED.${s}`).join(', ')},
             last_command_id = EXCLUDED.last_command_id, last_command_at = EXCLUDED.last_command_at,
             last_seen_at = EXCLUDED.last_seen_at`,
  },
});

interface DeviceTotals {
  readonly deviceId: string;
  readonly counts: Record<CommandStatus, number>;
  lastCommand: { readonly commandId: string; readonly at: string } | null;
  lastSeenAt: string | null;
}

/** The device_summary UPSERT's merge rules, on totals held in memory. */
const merge = (totals: DeviceTotals, delta: DeviceDelta): void => {
  for (const s of STATUSES) totals.counts[s] += delta.counts[s] ?? 0;
  const next = delta.lastCommand;
  const last = totals.lastCommand;
  if (next) {
    const newer = last ? Date.parse(next.at) - Date.parse(last.at) : 1;
    if (newer > 0 || (newer === 0 && next.commandId > (last?.commandId ?? ''))) {
      totals.lastCommand = next;
    }
  }
  if (delta.lastSeenAt !== null) {
    const seen = totals.lastSeenAt;
    if (seen === null || Date.parse(delta.lastSeenAt) > Date.parse(seen)) {
      totals.lastSeenAt = delta.lastSeenAt;
    }
  }
};

const deviceRow = (d: DeviceTotals) => ({
  device_id: d.deviceId,
  ...d.counts,
  last_command_id: d.lastCommand?.commandId ?? null,
  last_command_at: d.lastCommand?.at ?? null,
  last_seen_at: d.lastSeenAt,
});

const commandRow = (c: TrackedCommand) => ({
  command_id: c.commandId,
  device_id: c.deviceId,
  status: c.status,
  revision: c.revision.toString(),
});

/**
 * `device_summary` in memory: the projection's own `summariseEvents` over large batches, its
 * per-device deltas summed, each table written once at the end (one row per command and per
 * device: small next to the log).
 */
class DeviceSummaryBuilder implements BulkBuilder {
  readonly #sql: ReturnType<typeof statements>;
  readonly #tracked = new Map<string, TrackedCommand>();
  readonly #devices = new Map<string, DeviceTotals>();
  #tail: { commands: Set<string>; devices: Set<string> } | null = null;

  constructor(devices: string, commands: string) {
    this.#sql = statements(devices, commands);
  }

  fold(events: readonly LogEvent[], context: BuildContext): void {
    // summariseEvents reads only what a LogEvent has: stream, revision, type, data.
    const recorded = events as readonly RecordedEvent[];
    const { changed, devices } = summariseEvents(this.#tracked, recorded, context.skipped);
    for (const delta of devices) {
      let totals = this.#devices.get(delta.deviceId);
      if (!totals) {
        const counts = Object.fromEntries(STATUSES.map((s) => [s, 0])) as DeviceTotals['counts'];
        totals = { deviceId: delta.deviceId, counts, lastCommand: null, lastSeenAt: null };
        this.#devices.set(delta.deviceId, totals);
      }
      merge(totals, delta);
      this.#tail?.devices.add(delta.deviceId);
    }
    if (this.#tail) for (const c of changed) this.#tail.commands.add(c.commandId);
  }

  async load(db: SqlExecutor, final: boolean): Promise<number> {
    if (!final) return 0;
    this.#tail = { commands: new Set(), devices: new Set() };
    const commands = [...this.#tracked.values()];
    for (const chunk of chunks(commands, WRITE_BATCH)) {
      await db.query(this.#sql.insertCommands, [JSON.stringify(chunk.map(commandRow))]);
    }
    const devices = [...this.#devices.values()];
    for (const chunk of chunks(devices, WRITE_BATCH)) {
      await db.query(this.#sql.insertDevices, [JSON.stringify(chunk.map(deviceRow))]);
    }
    return commands.length + devices.length;
  }

  async writeTail(db: SqlExecutor): Promise<void> {
    const tail = this.#tail ?? { commands: new Set(), devices: new Set() };
    this.#tail = { commands: new Set(), devices: new Set() };
    const commands = [...tail.commands].map((id) => commandRow(this.#tracked.get(id)!));
    for (const chunk of chunks(commands, WRITE_BATCH)) {
      await db.query(this.#sql.upsertCommands, [JSON.stringify(chunk)]);
    }
    const devices = [...tail.devices].map((id) => deviceRow(this.#devices.get(id)!));
    for (const chunk of chunks(devices, WRITE_BATCH)) {
      await db.query(this.#sql.upsertDevices, [JSON.stringify(chunk)]);
    }
  }
}

export const deviceSummaryRebuild: RebuildDefinition = {
  projection: deviceSummaryProjection,
  tables: ['device_summary', 'device_summary_commands'],
  builder: (fresh) =>
    new DeviceSummaryBuilder(
      fresh.get('device_summary') as string,
      fresh.get('device_summary_commands') as string,
    ),
};
