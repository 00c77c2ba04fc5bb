/** The summary table a run ends with; the last lines say how to replay it. */
import type { ChaosReport } from './chaos-report.js';

const n = (x: number): string => x.toLocaleString('en-US');
const list = (r: Readonly<Record<string, number>>): string =>
  Object.entries(r)
    .filter(([, v]) => v > 0)
    .sort(([, a], [, b]) => b - a)
    .map(([k, v]) => `${k} ${n(v)}`)
    .join(', ') || 'none';

export function summaryTable(r: ChaosReport): string {
  const f = r.figures;
  const c = f.client;
  const rows: [string, string][] = [
    [
      'seed',
      `${r.seed}   (replay: npm run chaos -- --seed ${r.seed} --minutes ${r.minutes} --instances ${r.instances})`,
    ],
    [
      'load',
      `${r.loadSeconds.toFixed(0)} s at ${r.rate} operations/s against ${r.instances} instances; settled in ${r.settleSeconds.toFixed(1)} s${r.settled ? '' : ' (NOT settled: bound reached)'}`,
    ],
    [
      'commands issued',
      `${n(c.issued)} (accepted ${n(c.accepted)}: ${n(c.created)} × 201, ${n(c.accepted - c.created)} × 200 after a lost answer; unanswered ${n(c.unanswered)}, of which ${n(c.unansweredButPresent)} exist)`,
    ],
    [
      'commands in the log',
      `${n(f.commandsInLog)} (retries ${n(f.retries.retriesCreated)}, longest chain ${f.retries.longestChain})`,
    ],
    ['final statuses', list(f.finalStatuses)],
    ['transitions', `${n(f.events)} events: ${list(f.eventsByType)}`],
    ['late results kept', n(f.lateResults)],
    [
      'fleet commands',
      `${n(f.fleets.fleets)} (${list(f.fleets.byStatus)}), ${n(f.fleets.children)} children; caps, one child per target, nothing after an abort or cancel: checked`,
    ],
    [
      'devices and queues',
      `${n(f.queues.devices)} device streams, ${n(f.queues.presenceEvents)} presence events (epoch rule checked), ${n(f.queues.keyedSends)} keyed sends (one in flight per key, queue order: checked), ${n(f.queues.superseded)} superseded (never sent: checked); sent while the device was recorded offline: ${n(f.queues.sentWhileRecordedOffline)} (a will between decision and send; not violations)`,
    ],
    [
      'device results recorded',
      `${n(f.evidence.recorded + f.evidence.recordedLate)} of ${n(f.evidence.resultsSent)} sent (${n(f.evidence.recordedLate)} as late results); dropped by Mosquitto while it restarted: ${n(f.evidence.droppedInBrokerGap)} of ${n(f.evidence.inBrokerGap)} (not violations)`,
    ],
    ['faults injected', list(r.faults)],
    [
      'duplicates absorbed',
      `≥ ${n(r.counters.duplicates)} (fleet sent ${n(r.fleet.duplicatesSent)} duplicate answers, ${n(r.fleet.replaysSent)} replays)`,
    ],
    ['conflicts retried', `≥ ${n(r.counters.conflicts)}`],
    [
      'spoofs sent / rejected',
      `${n(r.fleet.spoofsSent)} / ≥ ${n(r.counters.deviceMismatch)} (device_mismatch); recorded: ${r.violationsByKind['spoof_recorded'] ?? 0}`,
    ],
    [
      'API answers checked',
      `${n(c.observationsChecked)} states, ${n(c.cancelsConfirmed)} cancels confirmed, ${n(c.cancelsRefused)} refused, ${n(c.reissuesSame)} + ${n(c.reissuesOther)} re-issues`,
    ],
    [
      'read model rows compared',
      `${n(f.readModelRowsCompared)} (whole state); verifyLedger: ${n(f.verify.events)} events, ${n(f.verify.compared)} rows, ${f.verify.clean ? 'clean' : 'NOT clean'}`,
    ],
    [
      'HTTP answers by status',
      `${Object.entries(r.answersByStatus)
        .map(([k, v]) => `${k} ${n(v)}`)
        .join(', ')}   (500 must be 0)`,
    ],
    ['client-side errors', list(r.httpErrors)],
    [
      'sweeps: commands skipped; answers recovered after a store outage',
      `≥ ${n(r.counters.sweepSkipped)}; ≥ ${n(r.counters.answersRecovered)}`,
    ],
    [
      'violations found',
      `${n(r.violations)}${r.violations > 0 ? `  ← ${list(r.violationsByKind)}` : ''}   (must be 0)`,
    ],
    ['commands lost', `${n(r.lost)}   (must be 0)`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  const lines = rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`);
  const rule = '-'.repeat(72);
  const details = r.firstViolations.map(
    (v) => `  ${v.kind}${v.commandId ? ` ${v.commandId}` : ''}: ${v.detail}`,
  );
  return [
    rule,
    `Ratchet chaos run: ${r.ok ? 'PASSED' : 'FAILED'}`,
    rule,
    ...lines,
    ...(details.length > 0 ? [rule, `first ${details.length} violations:`, ...details] : []),
    ...(r.logsDir ? [`logs kept in ${r.logsDir}`] : []),
    rule,
  ].join('\n');
}
