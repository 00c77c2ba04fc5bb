import type { SqlExecutor } from '@ratchet/event-store';
import { type CommandStatus, commandIdOfStream } from '@ratchet/lifecycle';
import { toCommandStatusRow } from '../command-status/command-status-row.js';
import { commandStatusProjection } from '../command-status/command-status.projection.js';
import { issuerOf } from '../command-status/fold-recorded-event.js';
import {
  type BuildContext,
  type BulkBuilder,
  chunks,
  type RebuildDefinition,
  WRITE_BATCH,
} from './bulk-builder.js';
import { foldInPlace, type MutableState, refusal } from './fold-in-place.js';
import type { LogEvent } from './log-reader.js';

const COLUMNS = `command_id, device_id, name, status, revision, attempt, retry_of, retried_by,
  requested_at, sent_at, acknowledged_at, completed_at, result, error, late_result, payload,
  next_deadline, retry_pending, state, issued_by`;
/**
 * toCommandStatusRow's columns, taken from the state on the server: each row travels as its
 * state (which holds almost every column already) plus what is computed in JS, so half the
 * bytes are sent and parsed. JSON null becomes SQL NULL, as jsonb_to_recordset makes it.
 */
const VALUES = `s->>'commandId', s->>'deviceId', s->>'name', s->>'status', r.revision,
  (s->>'attempt')::integer, s->>'retryOf', r.retried_by,
  date_trunc('milliseconds', (s->>'requestedAt')::timestamptz), (s->>'sentAt')::timestamptz,
  (s->>'acknowledgedAt')::timestamptz, (s->>'completedAt')::timestamptz,
  nullif(s->'result', 'null'), s->>'error', nullif(s->'lateResult', 'null'),
  nullif(s->'payload', 'null'), r.next_deadline, r.retry_pending, s, r.issued_by`;
const SOURCE = `jsonb_to_recordset($1::jsonb) AS r(s jsonb, revision bigint, retried_by text,
  next_deadline timestamptz, retry_pending boolean, issued_by text)`;

/** The statements of write-command-status.ts, aimed at the fresh table. */
const statements = (table: string) => ({
  insert: {
    name: `ratchet_rb_insert_${table}`,
    text: `INSERT INTO ${table} (${COLUMNS}) SELECT ${VALUES} FROM ${SOURCE}`,
  },
  upsert: {
    name: `ratchet_rb_upsert_${table}`,
    text: `INSERT INTO ${table} AS c (${COLUMNS}) SELECT ${VALUES} FROM ${SOURCE}
ON CONFLICT (command_id) DO UPDATE SET
  issued_by = COALESCE(c.issued_by, EXCLUDED.issued_by),
  status = EXCLUDED.status, revision = EXCLUDED.revision, sent_at = EXCLUDED.sent_at,
  acknowledged_at = EXCLUDED.acknowledged_at, completed_at = EXCLUDED.completed_at,
  result = EXCLUDED.result, error = EXCLUDED.error, late_result = EXCLUDED.late_result,
  next_deadline = EXCLUDED.next_deadline, retry_pending = EXCLUDED.retry_pending,
  state = EXCLUDED.state, updated_at = now()
WHERE c.revision < EXCLUDED.revision`,
  },
  link: {
    name: `ratchet_rb_link_${table}`,
    text: `UPDATE ${table} AS c SET retried_by = r.command_id
  FROM jsonb_to_recordset($1::jsonb) AS r(command_id text, retry_of text)
 WHERE c.command_id = r.retry_of AND c.retried_by IS NULL`,
  },
});

interface Entry {
  state: MutableState;
  retriedBy: string | null;
  issuedBy: string | null;
}

/** No lifecycle event can follow: the row is final but for `retried_by`. */
const settled = (s: MutableState): boolean =>
  s.rank === 4 || s.status === 'executed' || s.status === 'failed';

/**
 * `command_status` in memory. Rows that nothing can change any more are written as soon as
 * they settle (and forgotten, but for their status and revision), so memory holds the open
 * commands and the writes overlap the reading. A retry whose predecessor was already written
 * links it by an UPDATE after the load, exactly as the projection's LINK statement would.
 */
class CommandStatusBuilder implements BulkBuilder {
  readonly #sql: ReturnType<typeof statements>;
  readonly #open = new Map<string, Entry>();
  /** Written and settled: what a later (corrupt) event needs to be judged stale or refused. */
  readonly #written = new Map<string, { status: CommandStatus; revision: bigint }>();
  readonly #linkedWritten = new Set<string>();
  #ready: Entry[] = [];
  #links: { command_id: string; retry_of: string }[] = [];
  /** After the load: what the tail changed. */
  #tail: Set<string> | null = null;

  constructor(table: string) {
    this.#sql = statements(table);
  }

  fold(events: readonly LogEvent[], context: BuildContext): void {
    for (const event of events) {
      const id = commandIdOfStream(event.stream) as string;
      let entry = this.#open.get(id);
      if (!entry) {
        const gone = this.#written.get(id);
        if (gone) {
          // Settled: every later event is stale or refused, as foldRecordedEvent would find.
          if (event.revision > gone.revision) context.skipped(event, refusal(gone, event));
          continue;
        }
      }
      const { step, state } = foldInPlace(entry?.state ?? null, event);
      if (step === 'refused') context.skipped(event, refusal(state, event));
      if (step !== 'applied' || !state) continue;
      if (!entry) this.#open.set(id, (entry = { state, retriedBy: null, issuedBy: null }));
      if (event.type === 'CommandRequested') entry.issuedBy = issuerOf(event);
      entry.state = state;
      this.#link(id, state.retryOf);
      if (this.#tail) this.#tail.add(id);
      else if (settled(state)) {
        this.#open.delete(id);
        this.#written.set(id, { status: state.status, revision: state.revision });
        this.#ready.push(entry);
      }
    }
  }

  /** The projection links on every write of a retry's row; the first retry seen wins. */
  #link(id: string, retryOf: string | null): void {
    if (retryOf === null) return;
    const previous = this.#open.get(retryOf);
    if (previous) {
      if (previous.retriedBy === null) {
        previous.retriedBy = id;
        this.#tail?.add(retryOf);
      }
    } else if (this.#written.has(retryOf) && !this.#linkedWritten.has(retryOf)) {
      this.#linkedWritten.add(retryOf);
      this.#links.push({ command_id: id, retry_of: retryOf });
    }
  }

  async load(db: SqlExecutor, final: boolean): Promise<number> {
    if (final) {
      this.#ready.push(...this.#open.values());
      this.#tail = new Set();
    } else if (this.#ready.length < WRITE_BATCH) return 0;
    const rows = this.#ready;
    this.#ready = [];
    for (const chunk of chunks(rows, WRITE_BATCH)) {
      await db.query(this.#sql.insert, [JSON.stringify(chunk.map(toRow))]);
    }
    if (final) await this.#writeLinks(db);
    return rows.length;
  }

  async writeTail(db: SqlExecutor): Promise<void> {
    const changed = [...(this.#tail ?? [])].map((id) => this.#open.get(id) as Entry);
    this.#tail = new Set();
    for (const chunk of chunks(changed, WRITE_BATCH)) {
      await db.query(this.#sql.upsert, [JSON.stringify(chunk.map(toRow))]);
    }
    // As the projection does: a changed retry links its predecessor if nobody did yet.
    for (const entry of changed) {
      const { commandId, retryOf } = entry.state;
      if (retryOf !== null) this.#links.push({ command_id: commandId, retry_of: retryOf });
    }
    await this.#writeLinks(db);
  }

  async #writeLinks(db: SqlExecutor): Promise<void> {
    for (const chunk of chunks(this.#links, WRITE_BATCH)) {
      await db.query(this.#sql.link, [JSON.stringify(chunk)]);
    }
    this.#links = [];
  }
}

/** The columns toCommandStatusRow computes in JS; the rest come from the state (VALUES). */
const toRow = ({ state, retriedBy, issuedBy }: Entry) => {
  const row = toCommandStatusRow(state, issuedBy);
  return {
    s: row.state,
    revision: row.revision,
    retried_by: retriedBy,
    next_deadline: row.next_deadline,
    retry_pending: row.retry_pending,
    issued_by: row.issued_by,
  };
};

export const commandStatusRebuild: RebuildDefinition = {
  projection: commandStatusProjection,
  tables: ['command_status'],
  builder: (fresh) => new CommandStatusBuilder(fresh.get('command_status') as string),
};
