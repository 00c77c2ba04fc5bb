/**
 * A plan in words, for the CLI's one line per command: what leaves, in order, and when.
 * Copies sent together are folded (`ack ×3`), so a duplicating device stays on one short line.
 */
import type { AnswerPlan, PlannedMessage } from './plan-answer.js';

const what = (m: PlannedMessage): string =>
  m.kind === 'ack' ? 'ack' : 'error' in m.body ? 'failed' : 'executed';

/** Spoofs stay apart from the device's own copies: they name another device. */
const label = (m: PlannedMessage): string =>
  `${what(m)}${m.copy === 'spoof' ? ` spoofed as ${m.deviceId}` : ''}`;

function describeMessages(messages: readonly PlannedMessage[]): string {
  const groups: { label: string; atMs: number; count: number }[] = [];
  for (const m of messages) {
    const last = groups[groups.length - 1];
    if (last && last.label === label(m) && last.atMs === m.atMs) last.count++;
    else groups.push({ label: label(m), atMs: m.atMs, count: 1 });
  }
  return groups
    .map(
      (g) => `${g.label}${g.count > 1 ? ` ×${g.count}` : ''}${g.atMs > 0 ? ` +${g.atMs}ms` : ''}`,
    )
    .join(' → ');
}

export function describePlan(plan: AnswerPlan): string {
  switch (plan.outcome) {
    case 'expired':
      return `refused, already expired: ${describeMessages(plan.messages)}`;
    case 'silent':
      return 'silent: no answer';
    case 'answered': {
      const sequence = describeMessages(plan.messages);
      const notes = plan.traits.filter((t) => t === 'no-ack' || t === 'result-before-ack');
      return notes.length > 0 ? `${sequence}  [${notes.join(', ')}]` : sequence;
    }
    default: {
      const _exhaustive: never = plan;
      return _exhaustive;
    }
  }
}
