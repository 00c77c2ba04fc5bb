/**
 * Deadlines that fell due while no ledger instance ran. Their devices may have answered in
 * time as far as they could tell, with the answers waiting in a broker or a device buffer for
 * a ledger to come back; enforcing such a deadline in the first sweep after the restart would
 * time the command out moments before its answer arrives. So a deadline inside an outage is
 * enforced only `graceMs` after the outage ended. A deadline that passed while any instance
 * ran is not in an outage and is enforced as it falls due.
 */
export interface LedgerOutage {
  /** The last sign of life of any instance before the outage (ms since the epoch). */
  readonly from: number;
  /** When the first instance came back. */
  readonly to: number;
}

/** When a deadline may be enforced: the deadline itself, or the end of its outage's grace. */
export function enforceableAt(
  deadline: number,
  outage: LedgerOutage | null,
  graceMs: number,
): number {
  if (!outage || deadline <= outage.from || deadline > outage.to) return deadline;
  return outage.to + graceMs;
}

/**
 * An outage, as seen by an instance starting at `now`: the ledger's last sign of life is older
 * than `staleAfterMs` (every running instance beats more often than that).
 */
export function outageAtStart(
  lastBeat: number | null,
  now: number,
  staleAfterMs: number,
): LedgerOutage | null {
  if (lastBeat === null || now - lastBeat <= staleAfterMs) return null;
  return { from: lastBeat, to: now };
}
