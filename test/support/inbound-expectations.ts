/**
 * What the valid messages sent to one command imply for its final state and history
 * (CONTRACT.md section 1), whatever order they were handled in: QoS 1 ones must have been
 * applied, QoS 0 ones may have been lost.
 */
import { type RealCommand, type ValidInput, normaliseJson } from './inbound-oracle.js';

export interface Seeded extends RealCommand {
  /** The state before the fuzz: status, event types, late result. */
  readonly pre: { status: string; types: string[]; lateResult: unknown };
}

export interface View {
  status: string;
  revision: number;
  result: unknown;
  error: string | null;
  lateResult: { status: string; output?: unknown; error: string | null } | null;
}

export const canonical = (v: unknown): string => JSON.stringify(sortKeys(v));
const sortKeys = (v: unknown): unknown =>
  Array.isArray(v)
    ? v.map(sortKeys)
    : typeof v === 'object' && v !== null
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]),
        )
      : v;

export interface Delivered {
  readonly input: ValidInput;
  /** QoS 1 reaches the ledger; QoS 0 may be lost (at most once). */
  readonly required: boolean;
}

const OPEN = ['requested', 'sent', 'acknowledged'];
const CLOSED_WITHOUT_RESULT = ['timed_out', 'cancelled', 'expired'];
const triple = (status: string, result: unknown, error: string | null) =>
  canonical({ status, result: normaliseJson(result), error });

/** Problems with one command's final view and history, given what was validly sent to it. */
export function problemsOf(
  c: Seeded,
  sent: readonly Delivered[],
  view: View,
  types: string[],
): string[] {
  const out: string[] = [];
  const results = sent.filter((d) => d.input.kind === 'result');
  const acks = sent.filter((d) => d.input.kind === 'ack');
  const candidates = new Set(
    results.map(({ input }) =>
      input.kind === 'result' ? triple(input.status, input.result, input.error) : '',
    ),
  );
  const mustResult = results.some((r) => r.required);
  const mustAck = acks.some((a) => a.required);
  const expectTypes = (expected: string[]) => {
    if (canonical(types) !== canonical(expected))
      out.push(`history ${types.join(',')} but expected ${expected.join(',')}`);
  };
  if (view.revision !== types.length - 1)
    out.push(`revision ${view.revision} with ${types.length} events`);
  const { pre } = c;
  if (OPEN.includes(pre.status)) {
    if (view.lateResult !== null) out.push('a late result on a command that was open');
    const terminal = view.status === 'executed' || view.status === 'failed';
    if (mustResult && !terminal) out.push(`status ${view.status}, but a QoS 1 result was sent`);
    if (!terminal && !OPEN.includes(view.status)) out.push(`status ${view.status} from nothing`);
    if (terminal) {
      if (results.length === 0) out.push(`status ${view.status} but no valid result was sent`);
      else if (!candidates.has(triple(view.status, view.result, view.error)))
        out.push(
          `status/result/error ${triple(view.status, view.result, view.error)} is none of the ${results.length} sent`,
        );
      const acked = types.includes('CommandAcknowledged');
      const base =
        acked && !pre.types.includes('CommandAcknowledged') ? ['CommandAcknowledged'] : [];
      if (acked && acks.length === 0 && !pre.types.includes('CommandAcknowledged'))
        out.push('acknowledged without a valid ack');
      expectTypes([
        ...pre.types,
        ...base,
        view.status === 'executed' ? 'CommandExecuted' : 'CommandFailed',
      ]);
    } else {
      const ackable = pre.status !== 'acknowledged';
      if (ackable && mustAck && view.status !== 'acknowledged')
        out.push(`status ${view.status}, but a QoS 1 ack was sent`);
      if (ackable && acks.length === 0 && view.status !== pre.status)
        out.push(`status ${view.status} though no valid ack was sent`);
      expectTypes(view.status === pre.status ? pre.types : [...pre.types, 'CommandAcknowledged']);
      if (view.result !== null || view.error !== null) out.push('a result on an open command');
    }
  } else if (CLOSED_WITHOUT_RESULT.includes(pre.status) && pre.lateResult === null) {
    if (view.status !== pre.status) out.push(`status left ${pre.status} for ${view.status}`);
    const late = view.lateResult;
    if (mustResult && late === null) out.push('no late result, but a QoS 1 result was sent');
    if (late !== null) {
      if (!candidates.has(triple(late.status, late.output ?? null, late.error)))
        out.push(`late result ${canonical(late)} is none of the ${results.length} sent`);
      expectTypes([...pre.types, 'CommandLateResultObserved']);
    } else expectTypes(pre.types);
  } else {
    if (view.status !== pre.status) out.push(`status left ${pre.status} for ${view.status}`);
    expectTypes(pre.types);
  }
  return out;
}
