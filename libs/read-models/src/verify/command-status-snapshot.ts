import type { Position, SqlDriver, SqlStatement } from '@ratchet/event-store';
import { type CommandStatus, STATUSES } from '@ratchet/lifecycle';
import { loadCheckpoint } from '../projection/checkpoint.js';

/** command_status as of one moment: each row's status and revision, and the checkpoint. */
export interface CommandStatusSnapshot {
  /** `null`: the projection has applied nothing (or has no checkpoint row). */
  readonly position: Position | null;
  readonly version: number | null;
  /** command id → status index + 8 × revision: a number, not an object, per row. */
  readonly rows: Map<string, number>;
  /** command id → issued_by, for the rows that have one. */
  readonly issuers: Map<string, string>;
}

const PAGE: SqlStatement = {
  name: 'ratchet_verify_command_status_page',
  text: `SELECT command_id, status, revision, issued_by FROM command_status
          WHERE command_id > $1 ORDER BY command_id LIMIT $2`,
};
const PAGE_SIZE = 20_000;

export const pack = (status: CommandStatus, revision: bigint): number =>
  STATUSES.indexOf(status) + 8 * Number(revision);
export const unpack = (packed: number): { status: CommandStatus; revision: bigint } => ({
  status: STATUSES[packed % 8] as CommandStatus,
  revision: BigInt(Math.floor(packed / 8)),
});

/**
 * Reads the rows and the checkpoint in one REPEATABLE READ transaction, so that they agree
 * with each other even while a runner goes on writing.
 */
export const readCommandStatusSnapshot = (driver: SqlDriver): Promise<CommandStatusSnapshot> =>
  driver.transaction(async (tx) => {
    await tx.exec('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
    const checkpoint = await loadCheckpoint(tx, 'command_status');
    const rows = new Map<string, number>();
    const issuers = new Map<string, string>();
    let after = '';
    for (;;) {
      const page = await tx.query<{
        command_id: string;
        status: CommandStatus;
        revision: bigint;
        issued_by: string | null;
      }>(PAGE, [after, PAGE_SIZE]);
      for (const row of page) {
        rows.set(row.command_id, pack(row.status, row.revision));
        if (row.issued_by !== null) issuers.set(row.command_id, row.issued_by);
      }
      if (page.length < PAGE_SIZE) break;
      after = page[page.length - 1]!.command_id;
    }
    return {
      position: checkpoint?.position ?? null,
      version: checkpoint?.version ?? null,
      rows,
      issuers,
    };
  });
