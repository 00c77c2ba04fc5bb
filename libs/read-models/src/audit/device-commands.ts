import type { SqlExecutor, SqlStatement } from '@ratchet/event-store';
import { fromStoredState, type StoredState } from '../command-status/command-status-row.js';
import type { CommandRecord } from '../read-model-store.port.js';

export interface AuditRow {
  readonly command_id: string;
  readonly revision: bigint;
  readonly state: StoredState;
  readonly retried_by: string | null;
  readonly requested_at: Date;
}

/** Where the previous page ended, in (requested_at, command_id) order. */
export interface AuditCursor {
  readonly requestedAt: Date;
  readonly commandId: string;
}

export interface AuditPage {
  readonly items: readonly CommandRecord[];
  /** `null` on the last page. */
  readonly next: AuditCursor | null;
}

const SELECT = 'SELECT command_id, revision, state, retried_by, requested_at FROM command_status';

/** Oldest first, from the index on (device_id, requested_at, command_id). */
const IN_RANGE: SqlStatement = {
  name: 'ratchet_audit_device_range',
  text: `${SELECT}
          WHERE device_id = $1 AND requested_at >= $2::timestamptz AND requested_at < $3::timestamptz
          ORDER BY requested_at, command_id LIMIT $4`,
};
const IN_RANGE_AFTER: SqlStatement = {
  name: 'ratchet_audit_device_range_after',
  text: `${SELECT}
          WHERE device_id = $1 AND requested_at >= $2::timestamptz AND requested_at < $3::timestamptz
            AND (requested_at, command_id) > ($5::timestamptz, $6::text)
          ORDER BY requested_at, command_id LIMIT $4`,
};

export const toPage = (rows: readonly AuditRow[], limit: number): AuditPage => {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    items: page.map((r) => ({
      state: fromStoredState(r.state, r.revision),
      retriedBy: r.retried_by,
    })),
    next:
      rows.length > limit && last
        ? { requestedAt: last.requested_at, commandId: last.command_id }
        : null,
  };
};

/** Oldest first, from the index on (issued_by, requested_at, command_id). */
const BY_ISSUER: SqlStatement = {
  name: 'ratchet_audit_issuer_range',
  text: `${SELECT}
          WHERE issued_by = $1 AND requested_at >= $2::timestamptz AND requested_at < $3::timestamptz
          ORDER BY requested_at, command_id LIMIT $4`,
};
const BY_ISSUER_AFTER: SqlStatement = {
  name: 'ratchet_audit_issuer_range_after',
  text: `${SELECT}
          WHERE issued_by = $1 AND requested_at >= $2::timestamptz AND requested_at < $3::timestamptz
            AND (requested_at, command_id) > ($5::timestamptz, $6::text)
          ORDER BY requested_at, command_id LIMIT $4`,
};

/**
 * The commands one issuer requested (metadata.issuedBy of CommandRequested: a credential's
 * name, `anonymous`, `system` for retries) with `from <= requestedAt < to`, oldest first.
 */
export const listIssuerCommands = (
  db: SqlExecutor,
  query: {
    readonly issuedBy: string;
    readonly from: Date;
    readonly to: Date;
    readonly limit: number;
    readonly after?: AuditCursor | null;
  },
): Promise<AuditPage> => pageInRange(db, BY_ISSUER, BY_ISSUER_AFTER, query.issuedBy, query);

/** One page of `first`/`following` for `key` with `from <= requestedAt < to`, keyset-paged. */
const pageInRange = async (
  db: SqlExecutor,
  first: SqlStatement,
  following: SqlStatement,
  key: string,
  query: {
    readonly from: Date;
    readonly to: Date;
    readonly limit: number;
    readonly after?: AuditCursor | null;
  },
): Promise<AuditPage> => {
  const params: unknown[] = [
    key,
    query.from.toISOString(),
    query.to.toISOString(),
    query.limit + 1,
  ];
  const rows = query.after
    ? await db.query<AuditRow>(following, [
        ...params,
        query.after.requestedAt.toISOString(),
        query.after.commandId,
      ])
    : await db.query<AuditRow>(first, params);
  return toPage(rows, query.limit);
};

/** The widest range timestamptz takes: a device's whole history. */
export const ALL_TIME = {
  from: new Date('0001-01-01T00:00:00.000Z'),
  to: new Date('9999-12-31T00:00:00.000Z'),
} as const;

/**
 * The commands issued to a device with `from <= requestedAt < to`, oldest first, a page at a
 * time. From the command_status read model: as complete as its checkpoint (see `lag()`).
 */
export const listDeviceCommands = (
  db: SqlExecutor,
  query: {
    readonly deviceId: string;
    readonly from: Date;
    readonly to: Date;
    readonly limit: number;
    readonly after?: AuditCursor | null;
  },
): Promise<AuditPage> => pageInRange(db, IN_RANGE, IN_RANGE_AFTER, query.deviceId, query);
