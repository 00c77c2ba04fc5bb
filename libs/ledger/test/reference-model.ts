/**
 * A reference implementation of CONTRACT.md section 1, written from the contract alone (it
 * does not use libs/lifecycle's decide or evolve): what each input does to a command, and
 * what its caller is told. The model-based test compares the real handlers against it.
 *
 * Each operation is a list of atomic steps. Run one after another they give the sequential
 * result; interleaved (see `linearisations`) they give every result a correct concurrent
 * execution may have: a step is what one guarded append (or one read) does at once.
 */
export type Status =
  | 'requested'
  | 'sent'
  | 'acknowledged'
  | 'executed'
  | 'failed'
  | 'timed_out'
  | 'cancelled'
  | 'expired';

const OPEN: readonly Status[] = ['requested', 'sent', 'acknowledged'];
const CLOSED_WITHOUT_RESULT: readonly Status[] = ['timed_out', 'cancelled', 'expired'];

export interface RootSpec {
  readonly id: string;
  readonly deviceId: string;
  readonly ackTimeoutMs: number;
  readonly timeoutMs: number;
  readonly expiresInMs: number;
  readonly retry: {
    readonly maxAttempts: number;
    readonly on: readonly ('timed_out' | 'failed')[];
  };
}

export interface ModelCommand {
  readonly id: string;
  readonly root: number;
  readonly attempt: number;
  readonly retryOf: string | null;
  readonly payload: Record<string, unknown>;
  /** Which body issued the root (same id, other body: a conflict). */
  readonly variant: number;
  status: Status;
  events: string[];
  requestedAt: number;
  sentAt: number | null;
  acknowledgedAt: number | null;
  completedAt: number | null;
  result: unknown;
  error: string | null;
  lateResult: {
    at: number;
    status: 'executed' | 'failed';
    output?: unknown;
    error: string | null;
  } | null;
}

export interface Model {
  now: number;
  readonly roots: readonly RootSpec[];
  /** By id; a command that does not exist is absent. */
  commands: Record<string, ModelCommand>;
  /** Intents that reached the (test's) broker, as `label@attempt`. */
  intents: string[];
}

/** Where an operation points: a root and an attempt of it. */
export interface Target {
  readonly root: number;
  readonly attempt: number;
}

/**
 * As generated: `latest` is the newest attempt of the root when the step starts, `previous`
 * the one before it (the attempt a retry was made from).
 */
export interface TargetSpec {
  readonly root: number;
  readonly attempt: number | 'latest' | 'previous';
}
type WithTarget<O, T> = O extends { target: Target } ? Omit<O, 'target'> & { target: T } : O;
export type OpSpec = WithTarget<Op, TargetSpec>;

/** Pins `latest` and `previous` to attempts that exist in `m` (the first when none does). */
export function resolve(spec: OpSpec, m: Model, u: Universe): Op {
  if (!('target' in spec) || typeof spec.target.attempt === 'number') return spec as Op;
  let attempt = 1;
  while (m.commands[u.idOf({ root: spec.target.root, attempt: attempt + 1 })]) attempt++;
  if (spec.target.attempt === 'previous') attempt = Math.max(1, attempt - 1);
  return { ...spec, target: { root: spec.target.root, attempt } } as Op;
}

export const describeSpec = (spec: OpSpec): string =>
  'target' in spec && typeof spec.target.attempt !== 'number'
    ? describeOp({ ...spec, target: { root: spec.target.root, attempt: 0 } } as Op).replace(
        '#0',
        `#${spec.target.attempt}`,
      )
    : describeOp(spec as Op);

export type Op =
  | { readonly kind: 'issue'; readonly root: number; readonly variant: number }
  | { readonly kind: 'ack'; readonly target: Target; readonly own: boolean }
  | {
      readonly kind: 'result';
      readonly target: Target;
      readonly own: boolean;
      readonly status: 'executed' | 'failed';
      readonly output?: unknown;
      readonly error?: string;
    }
  | { readonly kind: 'cancel'; readonly target: Target }
  | { readonly kind: 'time_out'; readonly target: Target }
  | { readonly kind: 'expire'; readonly target: Target }
  | { readonly kind: 'dispatch'; readonly target: Target }
  | { readonly kind: 'retry'; readonly target: Target };

export const label = (t: Target): string => `${'AB'[t.root]}#${t.attempt}`;

export function describeOp(op: Op): string {
  switch (op.kind) {
    case 'issue':
      return `issue(${'AB'[op.root]}, body ${op.variant})`;
    case 'ack':
      return `ack(${label(op.target)}${op.own ? '' : ', spoofed'})`;
    case 'result':
      return `result(${label(op.target)}${op.own ? '' : ', spoofed'}, ${op.status}${
        op.output === undefined ? '' : `, ${JSON.stringify(op.output)}`
      }${op.error === undefined ? '' : `, "${op.error}"`})`;
    default:
      return `${op.kind}(${label(op.target)})`;
  }
}

/**
 * What one step may remember for the next steps of the same operation: `ret` is the caller's
 * answer, `note` names a rare path taken (for the test's coverage check).
 */
export type Ctx = { ret?: string; note?: string; [k: string]: unknown };
export type Step = (m: Model, ctx: Ctx) => 'next' | 'stop';

export interface Universe {
  /** The id of a root's attempt (derived as the ledger derives it). */
  idOf(t: Target): string;
  payloadOf(root: number, variant: number): Record<string, unknown>;
}

const OTHER_DEVICE = 'intruder-1';
export const deviceFor = (m: Model, root: number, own: boolean): string =>
  own ? m.roots[root]!.deviceId : OTHER_DEVICE;

/** The steps of one operation, against the universe of ids. */
export function stepsOf(op: Op, u: Universe): Step[] {
  if (op.kind === 'issue') {
    const id = u.idOf({ root: op.root, attempt: 1 });
    return [
      (m, ctx) => {
        const c = m.commands[id];
        if (!c) {
          m.commands[id] = fresh(
            m,
            op.root,
            1,
            id,
            null,
            u.payloadOf(op.root, op.variant),
            op.variant,
          );
          ctx.ret = 'created';
        } else ctx.ret = c.variant === op.variant ? 'existing' : 'conflict';
        return 'stop';
      },
    ];
  }
  const id = u.idOf(op.target);
  const next: Target = { root: op.target.root, attempt: op.target.attempt + 1 };
  const retrySteps: Step[] = [
    (m, ctx) => {
      if (!ctx.retry) return 'stop';
      const nextId = u.idOf(next);
      if (m.commands[nextId]) ctx.created = false;
      else {
        const c = m.commands[id]!;
        m.commands[nextId] = fresh(
          m,
          op.target.root,
          next.attempt,
          nextId,
          id,
          c.payload,
          c.variant,
        );
        ctx.created = true;
      }
      return 'next';
    },
    // The new attempt's dispatch, in the background: the broker is down for it (see the
    // test), so the one thing it can do is expire an attempt that is already past its expiry.
    (m, ctx) => {
      if (expireIfDue(m, m.commands[u.idOf(next)]!)) ctx.note = 'a retry re-dispatch expired';
      return 'stop';
    },
  ];
  switch (op.kind) {
    case 'ack':
      return [
        (m, ctx) => {
          const c = m.commands[id];
          if (!c) ctx.ret = 'unknown';
          else if (!op.own) ctx.ret = 'spoof';
          else if (c.status === 'requested' || c.status === 'sent') {
            c.status = 'acknowledged';
            c.acknowledgedAt = m.now;
            c.events.push('CommandAcknowledged');
            ctx.ret = 'applied';
          } else ctx.ret = 'unchanged';
          return 'stop';
        },
      ];
    case 'result':
      return [
        (m, ctx) => {
          const c = m.commands[id];
          if (!c) ctx.ret = 'unknown';
          else if (!op.own) ctx.ret = 'spoof';
          else if (OPEN.includes(c.status)) {
            c.status = op.status;
            c.completedAt = m.now;
            c.result = op.output ?? null;
            c.error = op.status === 'failed' ? (op.error ?? null) : null;
            c.events.push(op.status === 'executed' ? 'CommandExecuted' : 'CommandFailed');
            ctx.ret = 'applied';
            ctx.retry = op.status === 'failed' && retryable(m, c);
          } else if (CLOSED_WITHOUT_RESULT.includes(c.status) && c.lateResult === null) {
            c.lateResult = {
              at: m.now,
              status: op.status,
              ...(op.output === undefined ? {} : { output: op.output }),
              error: op.status === 'failed' ? (op.error ?? null) : null,
            };
            c.events.push('CommandLateResultObserved');
            ctx.ret = 'applied';
          } else ctx.ret = 'unchanged';
          return ctx.retry ? 'next' : 'stop';
        },
        ...retrySteps,
      ];
    case 'cancel':
      return [
        (m, ctx) => {
          const c = m.commands[id];
          if (!c) ctx.ret = 'not_found';
          else if (c.status === 'requested') {
            close(m, c, 'cancelled', 'CommandCancelled');
            ctx.ret = 'cancelled';
          } else ctx.ret = c.status === 'cancelled' ? 'cancelled' : `conflict:${c.status}`;
          return 'stop';
        },
      ];
    case 'time_out':
      return [
        (m, ctx) => {
          const c = m.commands[id];
          const spec = c && m.roots[c.root]!;
          const due =
            c &&
            ((c.status === 'sent' && m.now >= c.sentAt! + spec!.ackTimeoutMs) ||
              ((c.status === 'sent' || c.status === 'acknowledged') &&
                // Rule 9: the result deadline counts from sent (or the ack, when never marked sent).
                m.now >= (c.sentAt ?? c.acknowledgedAt!) + spec!.timeoutMs));
          if (!c || !due) {
            ctx.ret = 'unchanged';
            return 'stop';
          }
          close(m, c, 'timed_out', 'CommandTimedOut');
          ctx.retry = retryable(m, c);
          ctx.ret = ctx.retry ? `timed_out→${label(next)}` : 'timed_out';
          return ctx.retry ? 'next' : 'stop';
        },
        ...retrySteps,
      ];
    case 'expire':
      return [
        (m, ctx) => {
          const c = m.commands[id];
          ctx.ret = c && expireIfDue(m, c) ? 'expired' : 'unchanged';
          return 'stop';
        },
      ];
    case 'dispatch':
      return [
        // Read: what the dispatcher sees decides its branch; publishing happens here.
        (m, ctx) => {
          const c = m.commands[id];
          if (!c) ctx.ret = 'not_found';
          else if (c.status !== 'requested') ctx.ret = 'not_requested';
          else if (m.now >= c.requestedAt + m.roots[c.root]!.expiresInMs) ctx.ret = 'expired';
          else {
            m.intents.push(`${label(op.target)}@${c.attempt}`);
            ctx.ret = 'sent'; // the intent was published, whatever happens next
          }
          return c && c.status === 'requested' ? 'next' : 'stop';
        },
        // Then one guarded append: expired, or sent if it is still requested.
        (m, ctx) => {
          const c = m.commands[id]!;
          if (ctx.ret === 'expired') expireIfDue(m, c);
          else if (c.status === 'requested') {
            c.status = 'sent';
            c.sentAt = m.now;
            c.events.push('CommandSent');
          }
          return 'stop';
        },
      ];
    case 'retry':
      return [
        // Read the attempt (as a sweep does), and decide from what was read.
        (m, ctx) => {
          const c = m.commands[id];
          if (!c) ctx.ret = 'absent';
          else {
            ctx.retry = retryable(m, c);
            ctx.ret = ctx.retry ? 'retried' : 'no-retry';
          }
          return ctx.retry ? 'next' : 'stop';
        },
        ...retrySteps.map((s, i): Step => (m, ctx) => {
          const r = s(m, ctx);
          if (i === 0) ctx.ret = `retried:${ctx.created ? 'created' : 'existing'}`;
          return r;
        }),
      ];
  }
}

function fresh(
  m: Model,
  root: number,
  attempt: number,
  id: string,
  retryOf: string | null,
  payload: Record<string, unknown>,
  variant: number,
): ModelCommand {
  return {
    id,
    root,
    attempt,
    retryOf,
    payload,
    variant,
    status: 'requested',
    events: ['CommandRequested'],
    requestedAt: m.now,
    sentAt: null,
    acknowledgedAt: null,
    completedAt: null,
    result: null,
    error: null,
    lateResult: null,
  };
}

function close(m: Model, c: ModelCommand, status: Status, event: string): void {
  c.status = status;
  c.completedAt = m.now;
  c.events.push(event);
}

/** `expired` applies only to `requested`, and only from its expiry on. */
function expireIfDue(m: Model, c: ModelCommand): boolean {
  if (c.status !== 'requested' || m.now < c.requestedAt + m.roots[c.root]!.expiresInMs)
    return false;
  close(m, c, 'expired', 'CommandExpired');
  return true;
}

/** A closed attempt whose status the policy lists, below `maxAttempts`, is retried. */
function retryable(m: Model, c: ModelCommand): boolean {
  const { retry } = m.roots[c.root]!;
  return (retry.on as readonly string[]).includes(c.status) && c.attempt < retry.maxAttempts;
}

/** What the API shows of each command of the universe (`null`: it does not exist). */
export function snapshotOf(m: Model, ids: readonly string[], u: Universe) {
  const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());
  return ids.map((id) => {
    const c = m.commands[id];
    if (!c) return null;
    const nextId = u.idOf({ root: c.root, attempt: c.attempt + 1 });
    return {
      commandId: id,
      deviceId: m.roots[c.root]!.deviceId,
      payload: c.payload,
      status: c.status,
      revision: c.events.length - 1,
      events: c.events,
      attempt: c.attempt,
      retryOf: c.retryOf,
      retriedBy: m.commands[nextId] ? nextId : null,
      requestedAt: iso(c.requestedAt),
      sentAt: iso(c.sentAt),
      acknowledgedAt: iso(c.acknowledgedAt),
      completedAt: iso(c.completedAt),
      result: c.result,
      error: c.error,
      lateResult: c.lateResult && { ...c.lateResult, at: iso(c.lateResult.at) },
    };
  });
}

/**
 * Every interleaving of the operations' steps (each operation's own steps in order), explored
 * depth-first with memoisation; `accept` is asked about each complete one and the search stops
 * at the first it accepts. Returns that model and the operations' answers, or null.
 */
export function linearisations(
  start: Model,
  plans: readonly Step[][],
  accept: (m: Model, rets: readonly string[]) => boolean,
): { model: Model; rets: string[]; ctxs: Ctx[] } | null {
  type Found = { model: Model; rets: string[]; ctxs: Ctx[] };
  const seen = new Set<string>();
  const search = (m: Model, pos: number[], ctxs: Ctx[]): Found | null => {
    const key = JSON.stringify([pos, ctxs, m]);
    if (seen.has(key)) return null;
    seen.add(key);
    let progressed = false;
    for (let i = 0; i < plans.length; i++) {
      if (pos[i]! >= plans[i]!.length) continue;
      progressed = true;
      const m2 = structuredClone(m);
      const ctx = structuredClone(ctxs[i]!);
      const r = plans[i]![pos[i]!]!(m2, ctx);
      const pos2 = [...pos];
      pos2[i] = r === 'stop' ? plans[i]!.length : pos[i]! + 1;
      const ctxs2 = [...ctxs];
      ctxs2[i] = ctx;
      const found = search(m2, pos2, ctxs2);
      if (found) return found;
    }
    if (progressed) return null;
    const rets = ctxs.map((c) => c.ret ?? '?');
    return accept(m, rets) ? { model: m, rets, ctxs } : null;
  };
  return search(
    start,
    plans.map(() => 0),
    plans.map(() => ({})),
  );
}
