import type { SqlExecutor } from '@ratchet/event-store';
import type {
  FleetRequest,
  FleetStatus,
  FleetTally,
  CommandStatus,
  ChildOutcome,
} from '@ratchet/lifecycle';
import {
  type ChildRow,
  type FleetProgressModel,
  type FleetRow,
  type StatusCounts,
} from './fleet-progress-fold.js';

/** The three tables, named so that a rebuild can write into fresh copies. */
export interface FleetTables {
  readonly fleets: string;
  readonly children: string;
  readonly attempts: string;
}
export const LIVE_TABLES: FleetTables = {
  fleets: 'fleet_progress',
  children: 'fleet_children',
  attempts: 'fleet_attempts',
};

interface FleetDbRow {
  fleet_command_id: string;
  status: FleetStatus;
  revision: bigint;
  request: FleetRequest;
  requested_at: Date;
  issued_by: string;
  targets: number;
  group_revision: bigint | null;
  created: number;
  ended_at: Date | null;
  counts: StatusCounts;
  tally: FleetTally;
}

export const toFleetRow = (r: FleetDbRow): FleetRow => ({
  fleetCommandId: r.fleet_command_id,
  status: r.status,
  revision: BigInt(r.revision),
  request: r.request,
  requestedAt: new Date(r.requested_at).toISOString(),
  issuedBy: r.issued_by,
  targets: Number(r.targets),
  groupRevision: r.group_revision === null ? null : Number(r.group_revision),
  created: Number(r.created),
  endedAt: r.ended_at === null ? null : new Date(r.ended_at).toISOString(),
  counts: r.counts,
  tally: r.tally,
});

const fleetRecord = (f: FleetRow) => ({
  fleet_command_id: f.fleetCommandId,
  status: f.status,
  revision: f.revision.toString(),
  request: f.request,
  requested_at: f.requestedAt,
  issued_by: f.issuedBy,
  targets: f.targets,
  group_revision: f.groupRevision,
  created: f.created,
  ended_at: f.endedAt,
  counts: f.counts,
  tally: f.tally,
});

const childRecord = (c: ChildRow) => ({
  command_id: c.commandId,
  fleet_command_id: c.fleetCommandId,
  device_id: c.deviceId,
  attempt: c.attempt,
  status: c.status,
  outcome: c.outcome,
});

export const FLEET_COLUMNS =
  'fleet_command_id, status, revision, request, requested_at, issued_by, targets, group_revision, created, ended_at, counts, tally';
const FLEET_RECORD = `r(fleet_command_id text, status text, revision bigint, request jsonb,
  requested_at timestamptz, issued_by text, targets integer, group_revision bigint, created integer,
  ended_at timestamptz, counts jsonb, tally jsonb)`;
const CHILD_COLUMNS = 'command_id, fleet_command_id, device_id, attempt, status, outcome';
const CHILD_RECORD =
  'r(command_id text, fleet_command_id text, device_id text, attempt integer, status text, outcome text)';

export const statementsFor = (t: FleetTables, prefix: string) => ({
  loadFleets: {
    name: `${prefix}_load_${t.fleets}`,
    text: `SELECT ${FLEET_COLUMNS} FROM ${t.fleets}
            WHERE fleet_command_id IN (SELECT jsonb_array_elements_text($1::jsonb))`,
  },
  loadChildren: {
    name: `${prefix}_load_${t.children}`,
    text: `SELECT ${CHILD_COLUMNS} FROM ${t.children}
            WHERE command_id IN (SELECT jsonb_array_elements_text($1::jsonb))
               OR command_id IN (SELECT child_id FROM ${t.attempts}
                                  WHERE command_id IN (SELECT jsonb_array_elements_text($1::jsonb)))`,
  },
  loadAttempts: {
    name: `${prefix}_load_${t.attempts}`,
    text: `SELECT command_id, child_id FROM ${t.attempts}
            WHERE command_id IN (SELECT jsonb_array_elements_text($1::jsonb))`,
  },
  upsertFleets: {
    name: `${prefix}_upsert_${t.fleets}`,
    text: `INSERT INTO ${t.fleets} AS f (${FLEET_COLUMNS})
           SELECT ${FLEET_COLUMNS} FROM jsonb_to_recordset($1::jsonb) AS ${FLEET_RECORD}
           ON CONFLICT (fleet_command_id) DO UPDATE SET status = EXCLUDED.status,
             revision = EXCLUDED.revision, created = EXCLUDED.created, ended_at = EXCLUDED.ended_at,
             counts = EXCLUDED.counts, tally = EXCLUDED.tally`,
  },
  upsertChildren: {
    name: `${prefix}_upsert_${t.children}`,
    text: `INSERT INTO ${t.children} AS c (${CHILD_COLUMNS})
           SELECT ${CHILD_COLUMNS} FROM jsonb_to_recordset($1::jsonb) AS ${CHILD_RECORD}
           ON CONFLICT (command_id) DO UPDATE SET attempt = EXCLUDED.attempt,
             status = EXCLUDED.status, outcome = EXCLUDED.outcome`,
  },
  /** The rebuild's load, into fresh tables without keys: plain inserts, each row once. */
  insertFleetRows: {
    name: `${prefix}_loadins_${t.fleets}`,
    text: `INSERT INTO ${t.fleets} (${FLEET_COLUMNS})
           SELECT ${FLEET_COLUMNS} FROM jsonb_to_recordset($1::jsonb) AS ${FLEET_RECORD}`,
  },
  insertChildRows: {
    name: `${prefix}_loadins_${t.children}`,
    text: `INSERT INTO ${t.children} (${CHILD_COLUMNS})
           SELECT ${CHILD_COLUMNS} FROM jsonb_to_recordset($1::jsonb) AS ${CHILD_RECORD}`,
  },
  insertAttemptRows: {
    name: `${prefix}_loadins_${t.attempts}`,
    text: `INSERT INTO ${t.attempts} (command_id, child_id)
           SELECT command_id, child_id FROM jsonb_to_recordset($1::jsonb) AS r(command_id text, child_id text)`,
  },
  insertAttempts: {
    name: `${prefix}_insert_${t.attempts}`,
    text: `INSERT INTO ${t.attempts} (command_id, child_id)
           SELECT command_id, child_id FROM jsonb_to_recordset($1::jsonb) AS r(command_id text, child_id text)
           ON CONFLICT (command_id) DO NOTHING`,
  },
});

const LIVE = statementsFor(LIVE_TABLES, 'ratchet_rm_fp');

interface ChildDbRow {
  command_id: string;
  fleet_command_id: string;
  device_id: string;
  attempt: number;
  status: CommandStatus;
  outcome: ChildOutcome | null;
}
const toChildRow = (r: ChildDbRow): ChildRow => ({
  commandId: r.command_id,
  fleetCommandId: r.fleet_command_id,
  deviceId: r.device_id,
  attempt: Number(r.attempt),
  status: r.status,
  outcome: r.outcome,
});

/** Loads the rows `keys` name, and the fleets of the children found, into a fresh model. */
export const loadModel = async (
  tx: SqlExecutor,
  model: FleetProgressModel,
  keys: { fleets: readonly string[]; commands: readonly string[] },
): Promise<void> => {
  const commands = JSON.stringify(keys.commands);
  for (const r of await tx.query<{ command_id: string; child_id: string }>(LIVE.loadAttempts, [
    commands,
  ])) {
    model.attempts.set(r.command_id, r.child_id);
  }
  const children = await tx.query<ChildDbRow>(LIVE.loadChildren, [commands]);
  for (const r of children) model.children.set(r.command_id, toChildRow(r));
  const fleets = new Set([...keys.fleets, ...children.map((c) => c.fleet_command_id)]);
  if (fleets.size === 0) return;
  for (const r of await tx.query<FleetDbRow>(LIVE.loadFleets, [JSON.stringify([...fleets])])) {
    model.fleets.set(r.fleet_command_id, toFleetRow(r));
  }
};

const CHUNK = 2000;
const inChunks = async <T>(
  items: readonly T[],
  write: (chunk: readonly T[]) => Promise<unknown>,
) => {
  for (let i = 0; i < items.length; i += CHUNK) await write(items.slice(i, i + CHUNK));
};

/** Every row of the model with plain INSERTs (a rebuild's load into fresh tables). */
export const loadAll = async (
  db: SqlExecutor,
  model: FleetProgressModel,
  sql: ReturnType<typeof statementsFor>,
): Promise<number> => {
  const fleets = [...model.fleets.values()];
  const children = [...model.children.values()];
  const attempts = [...model.attempts.entries()];
  await inChunks(fleets, (c) =>
    db.query(sql.insertFleetRows, [JSON.stringify(c.map(fleetRecord))]),
  );
  await inChunks(children, (c) =>
    db.query(sql.insertChildRows, [JSON.stringify(c.map(childRecord))]),
  );
  await inChunks(attempts, (c) =>
    db.query(sql.insertAttemptRows, [
      JSON.stringify(c.map(([command_id, child_id]) => ({ command_id, child_id }))),
    ]),
  );
  model.clearChanges();
  return fleets.length + children.length + attempts.length;
};

/** Writes the rows the model changed (upserts), into `tables`. */
export const writeModel = async (
  tx: SqlExecutor,
  model: FleetProgressModel,
  sql: ReturnType<typeof statementsFor> = LIVE,
  all = false,
): Promise<number> => {
  const fleets = all
    ? [...model.fleets.values()]
    : [...model.changedFleets].map((id) => model.fleets.get(id)!);
  const children = all
    ? [...model.children.values()]
    : [...model.changedChildren].map((id) => model.children.get(id)!);
  const attempts = all ? [...model.attempts.keys()] : [...model.newAttempts];
  await inChunks(fleets, (c) => tx.query(sql.upsertFleets, [JSON.stringify(c.map(fleetRecord))]));
  await inChunks(children, (c) =>
    tx.query(sql.upsertChildren, [JSON.stringify(c.map(childRecord))]),
  );
  await inChunks(attempts, (c) =>
    tx.query(sql.insertAttempts, [
      JSON.stringify(c.map((id) => ({ command_id: id, child_id: model.attempts.get(id) }))),
    ]),
  );
  model.clearChanges();
  return fleets.length + children.length + attempts.length;
};
