/**
 * The ledger's own fsck (`verifyLedger` of libs/read-models) over the same database: its
 * lifecycle violations and read-model mismatches count as the run's violations too. The chaos
 * checks stay beside it: they also compare the whole folded state, the client's answers and
 * the spoofs, which verify does not see.
 */
import { createPool, PostgresDriver } from '@ratchet/event-store';
import type { EventStore } from '@ratchet/event-store';
import { isClean, verifyLedger } from '@ratchet/read-models';
import { type Violation, violation } from './violation.js';

export async function runVerify(
  store: EventStore,
  databaseUrl: string,
  found: Violation[],
): Promise<{ events: number; commands: number; compared: number; clean: boolean }> {
  const driver = new PostgresDriver(
    createPool({ connectionString: databaseUrl, poolSize: 2 }),
    true,
  );
  try {
    const report = await verifyLedger({ driver, eventStore: store });
    for (const v of report.violations)
      found.push(violation(`verify:${v.kind}`, `revision ${v.revision}: ${v.detail}`, v.commandId));
    for (const m of report.mismatches)
      found.push(
        violation(
          `verify:${m.kind}`,
          `expected ${m.expected ? `${m.expected.status}@${m.expected.revision}` : 'no row'}, found ${m.found ? `${m.found.status}@${m.found.revision}` : 'no row'}`,
          m.commandId,
        ),
      );
    for (const m of report.fleetProgress.mismatches)
      found.push(
        violation(
          `verify:fleet_progress:${m.kind}`,
          `fleet ${m.fleetCommandId}: the log says ${JSON.stringify(m.expected)}, the row ${JSON.stringify(m.found)}`,
        ),
      );
    if (report.truncated)
      found.push(violation('verify:truncated', 'more findings than verify keeps'));
    return {
      events: report.events,
      commands: report.commands,
      compared: report.readModel.compared,
      clean: isClean(report),
    };
  } finally {
    await driver.close();
  }
}
