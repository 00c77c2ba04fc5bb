import { isClean, toJsonLine, type VerifyReport, verifyLedger } from '@ratchet/read-models';
import { type CliIo, fmt, seconds } from '../io.js';
import type { CliStorage } from '../open-storage.js';
import { Progress } from '../progress.js';

const counts = (c: Readonly<Record<string, number | undefined>>) =>
  Object.entries(c)
    .map(([kind, n]) => `${kind} ${fmt(n ?? 0)}`)
    .join(', ');

const print = (io: CliIo, r: VerifyReport, description: string): void => {
  io.out(
    `verified ${fmt(r.events)} events of ${fmt(r.commands)} commands in ${seconds(r.ms)} ` +
      `(${description}; log read ${r.logPath === 'sql' ? 'from the events table' : 'through the event store'})`,
  );
  io.out(
    `command_status: checkpoint ${r.readModel.checkpoint ?? 'none'}, ${fmt(r.readModel.rows)} rows, ` +
      `${fmt(r.readModel.compared)} compared with a fresh fold of the log up to the checkpoint`,
  );
  const violations = Object.values(r.violationCounts).reduce((a, b) => a + (b ?? 0), 0);
  const mismatches = Object.values(r.mismatchCounts).reduce((a, b) => a + (b ?? 0), 0);
  io.out(
    `\nlifecycle violations: ${violations === 0 ? 'none' : `${fmt(violations)} (${counts(r.violationCounts)})`}`,
  );
  for (const v of r.violations) {
    io.out(`  ${v.kind.padEnd(26)} command ${v.commandId} revision ${v.revision}: ${v.detail}`);
  }
  io.out(
    `\nread-model mismatches: ${mismatches === 0 ? 'none' : `${fmt(mismatches)} (${counts(r.mismatchCounts)})`}`,
  );
  const shown = (x: { status: string; revision: bigint } | null) =>
    x ? `${x.status}@${x.revision}` : 'no row';
  for (const m of r.mismatches) {
    io.out(
      m.issuer
        ? `  ${m.kind.padEnd(12)} command ${m.commandId}: the log says issuedBy ${m.issuer.expected ?? 'none'}, the row ${m.issuer.found ?? 'none'}`
        : `  ${m.kind.padEnd(12)} command ${m.commandId}: the log says ${m.expected ? shown(m.expected) : 'no such command'}, the row ${shown(m.found)}`,
    );
  }
  const fp = r.fleetProgress;
  io.out(
    `\nfleet_progress: checkpoint ${fp.checkpoint ?? 'none'}, ${fmt(fp.fleets)} fleet commands compared with a fresh fold: ` +
      (fp.mismatches.length === 0 ? 'no mismatch' : `${fmt(fp.mismatches.length)} mismatches`),
  );
  for (const m of fp.mismatches) {
    io.out(
      `  ${m.kind.padEnd(12)} fleet ${m.fleetCommandId}: the log says ${JSON.stringify(m.expected)}, the row ${JSON.stringify(m.found)}`,
    );
  }
  if (r.truncated) io.out(`\n(lists cut at --max-findings; the counts are whole)`);
  const findings = violations + mismatches + fp.mismatches.length;
  io.out(`\n${isClean(r) ? 'OK: nothing found' : `FAILED: ${fmt(findings)} findings`}`);
};

export const verify = async (
  storage: CliStorage,
  io: CliIo,
  json: boolean,
  maxFindings?: number,
): Promise<number> => {
  const progress = new Progress(io, 'verify', await storage.estimateEvents());
  let report: VerifyReport;
  try {
    report = await verifyLedger({
      driver: storage.driver,
      eventStore: storage.store,
      log: storage.log,
      ...(maxFindings ? { maxFindings } : {}),
      onProgress: (p) => progress.update(p.events),
      now: io.now,
    });
  } finally {
    progress.done();
  }
  if (json) io.out(toJsonLine({ ok: isClean(report), ...report }));
  else print(io, report, storage.description);
  return isClean(report) ? 0 : 1;
};
