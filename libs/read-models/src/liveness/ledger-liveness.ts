/**
 * The ledger's sign of life, shared by its instances: every sweeper beats here, and the first
 * instance to start after none ran records the outage (from the last beat to its start), so
 * that every instance, also one starting a moment later, grants the same recovery grace to the
 * deadlines that fell due meanwhile (`enforceableAt` in @ratchet/lifecycle).
 */
import type { SqlDriver, SqlStatement } from '@ratchet/event-store';
import { type LedgerOutage, outageAtStart } from '@ratchet/lifecycle';

const LOCK: SqlStatement = {
  name: 'ratchet_rm_liveness_lock',
  text: 'SELECT last_beat, outage_from, outage_to FROM ledger_liveness WHERE id = 1 FOR UPDATE',
};
const SAVE: SqlStatement = {
  name: 'ratchet_rm_liveness_save',
  text: `INSERT INTO ledger_liveness (id, last_beat, outage_from, outage_to)
         VALUES (1, $1::timestamptz, $2::timestamptz, $3::timestamptz)
         ON CONFLICT (id) DO UPDATE
           SET last_beat = GREATEST(ledger_liveness.last_beat, EXCLUDED.last_beat),
               outage_from = EXCLUDED.outage_from,
               outage_to = EXCLUDED.outage_to`,
};
const BEAT: SqlStatement = {
  name: 'ratchet_rm_liveness_beat',
  text: `UPDATE ledger_liveness SET last_beat = GREATEST(last_beat, $1::timestamptz) WHERE id = 1`,
};

const ms = (v: Date | string | null): number | null => (v === null ? null : new Date(v).getTime());
const iso = (v: number | undefined): string | null =>
  v === undefined ? null : new Date(v).toISOString();

/** An instance starts: the outage it ended, or the last one recorded (null: none). */
export const recordStart = (
  driver: SqlDriver,
  now: Date,
  staleAfterMs: number,
): Promise<LedgerOutage | null> =>
  driver.transaction(async (tx) => {
    type Row = { last_beat: Date; outage_from: Date | null; outage_to: Date | null };
    const [row] = await tx.query<Row>(LOCK, []);
    const detected = outageAtStart(row ? ms(row.last_beat) : null, now.getTime(), staleAfterMs);
    const from = ms(row?.outage_from ?? null);
    const to = ms(row?.outage_to ?? null);
    const outage = detected ?? (from !== null && to !== null ? { from, to } : null);
    await tx.query(SAVE, [now.toISOString(), iso(outage?.from), iso(outage?.to)]);
    return outage;
  });

export const beat = async (driver: SqlDriver, now: Date): Promise<void> => {
  await driver.query(BEAT, [now.toISOString()]);
};
