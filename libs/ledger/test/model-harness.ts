/**
 * The real side of the model-based test: RatchetModule on an instrumented store (reads and
 * appends resolved in the scheduler's order), a clock frozen within a step, an intent
 * publisher that only explicit dispatches may use, and the operations run on the real handlers.
 */
import type { INestApplicationContext } from '@nestjs/common';
import { CommandBus, QueryBus, CqrsModule } from '@nestjs/cqrs';
import { Test } from '@nestjs/testing';
import type fc from 'fast-check';
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { EventStore } from '@ratchet/event-store';
import { type CommandState, attemptId, checkStream, streamOf } from '@ratchet/lifecycle';
import {
  AcknowledgeCommand,
  CancelCommand,
  Dispatcher,
  ExpireCommand,
  GetCommandQuery,
  IssueCommand,
  LedgerError,
  LedgerMetrics,
  RatchetModule,
  RecordCommandResult,
  RetryScheduler,
  TimeOutCommand,
  readCommand,
  type IntentPublisher,
  type IssueCommandDto,
} from '@ratchet/ledger';
import { type Op, type RootSpec, type Universe, label } from './reference-model.js';

export const T0 = Date.parse('2030-01-01T00:00:00.000Z');

export interface OpContext {
  readonly now: number;
  readonly explicitDispatch: boolean;
}

/** Everything one store's runs share: the Nest app, the instrumented store, the clock. */
export class World {
  readonly als = new AsyncLocalStorage<OpContext>();
  scheduler: fc.Scheduler | null = null;
  now = T0;
  intents: string[] = [];
  background: Promise<unknown>[] = [];
  labels = new Map<string, string>();
  /** Rare paths the model took in some step (see the coverage test). */
  notes = new Set<string>();
  app!: INestApplicationContext;
  bus!: CommandBus;
  queries!: QueryBus;
  dispatcher!: Dispatcher;
  retries!: RetryScheduler;

  constructor(readonly inner: EventStore) {}

  /** The store the ledger sees: reads and appends resolve when the scheduler says so. */
  readonly store: EventStore = new Proxy(this.inner, {
    get: (target, prop, receiver) => {
      if (prop !== 'readStream' && prop !== 'append') return Reflect.get(target, prop, receiver);
      return (stream: string, ...rest: unknown[]) => {
        const call = (target[prop] as (...a: unknown[]) => Promise<unknown>).call(
          target,
          stream,
          ...rest,
        );
        const s = this.scheduler;
        if (!s) return call;
        // The scheduler orders the answers; its report names them without the data.
        const who = this.labels.get(stream.slice('command-'.length)) ?? stream.slice(0, 16);
        return s
          .schedule(
            call.then(() => undefined),
            `${prop === 'append' ? 'append to' : 'read'} ${who}`,
          )
          .then(() => call);
      };
    },
  });

  readonly publisher: IntentPublisher = {
    publishIntent: async (command: CommandState) => {
      if (!this.als.getStore()?.explicitDispatch)
        throw new Error('broker unreachable (this test lets only explicit dispatches publish)');
      const who = this.labels.get(command.commandId) ?? command.commandId;
      this.intents.push(`${who}@${command.attempt}`);
      if (this.scheduler) await this.scheduler.schedule(Promise.resolve(), `puback ${who}`);
    },
  };

  async start(): Promise<void> {
    const moduleRef = await Test.createTestingModule({
      imports: [
        CqrsModule.forRoot(),
        RatchetModule.forRoot({
          eventStore: this.store,
          // No sweeper and no projections: the model decides when anything happens.
          readModels: false,
          intentPublisher: this.publisher,
          clock: () => new Date(this.als.getStore()?.now ?? this.now),
          instanceId: 'model-test',
        }),
      ],
    }).compile();
    moduleRef.useLogger(false);
    this.app = await moduleRef.init();
    this.bus = this.app.get(CommandBus);
    this.queries = this.app.get(QueryBus);
    this.dispatcher = this.app.get(Dispatcher);
    this.retries = this.app.get(RetryScheduler);
    // Pass-through: remember the background dispatches (after an issue or a retry) to await them.
    const dispatch = this.dispatcher.dispatch.bind(this.dispatcher);
    this.dispatcher.dispatch = (commandId: string, correlationId: string) => {
      const p = dispatch(commandId, correlationId);
      if (!this.als.getStore()?.explicitDispatch) this.background.push(p.catch(() => undefined));
      return p;
    };
  }

  /** Stale appends re-read and decided again. */
  conflicts(): Promise<number> {
    return this.#total('conflicts');
  }

  /** Transitions that waited in this process for an earlier one of the same command. */
  waited(): Promise<number> {
    return this.#total('waited');
  }

  /** A counter of the ledger's metrics, summed over its labels. */
  async #total(counter: 'conflicts' | 'waited'): Promise<number> {
    const metric = await this.app.get(LedgerMetrics)[counter].get();
    return metric.values.reduce((a, v) => a + v.value, 0);
  }

  /** Wait for the background dispatches, under the scheduler when there is one. */
  async drain(): Promise<void> {
    while (this.background.length > 0) {
      const pending = Promise.allSettled(this.background.splice(0));
      await (this.scheduler ? this.scheduler.waitFor(pending) : pending);
    }
  }
}

/** One run: two roots with their own deadlines and retry policies, and the ids of every attempt. */
export interface Run {
  readonly roots: readonly RootSpec[];
  readonly universe: Universe;
  readonly ids: readonly string[];
}

const MAX_ATTEMPT = 3;

export function newRun(world: World, specs: readonly Omit<RootSpec, 'id' | 'deviceId'>[]): Run {
  const roots = specs.map((s, i) => ({ ...s, id: randomUUID(), deviceId: `dev-${i}` }));
  const universe: Universe = {
    idOf: (t) => attemptId(roots[t.root]!.id, t.attempt),
    payloadOf: (root, variant) => ({ root, variant }),
  };
  const ids: string[] = [];
  roots.forEach((_, root) => {
    for (let attempt = 1; attempt <= MAX_ATTEMPT; attempt++) {
      const id = universe.idOf({ root, attempt });
      ids.push(id);
      world.labels.set(id, label({ root, attempt }));
    }
  });
  return { roots, universe, ids };
}

function issueBody(run: Run, root: number, variant: number): IssueCommandDto {
  const r = run.roots[root]!;
  return {
    commandId: r.id,
    deviceId: r.deviceId,
    name: 'set-speed',
    payload: run.universe.payloadOf(root, variant),
    ackTimeoutMs: r.ackTimeoutMs,
    timeoutMs: r.timeoutMs,
    expiresInMs: r.expiresInMs,
    retry: { maxAttempts: r.retry.maxAttempts, on: [...r.retry.on] },
  };
}

/** Runs one operation against the real handlers; the answer in the model's words. */
export async function runReal(world: World, run: Run, op: Op): Promise<string> {
  const device = (r: { outcome: string; reason?: string }) =>
    r.outcome === 'applied'
      ? 'applied'
      : r.reason === 'device_mismatch'
        ? 'spoof'
        : r.reason === 'not_found'
          ? 'unknown'
          : 'unchanged';
  if (op.kind === 'issue') {
    try {
      const r = await world.bus.execute(new IssueCommand(issueBody(run, op.root, op.variant)));
      return r.created ? 'created' : 'existing';
    } catch (e) {
      if (e instanceof LedgerError && e.code === 'id_conflict') return 'conflict';
      throw e;
    }
  }
  const id = run.universe.idOf(op.target);
  const deviceId = (own: boolean) => (own ? run.roots[op.target.root]!.deviceId : 'intruder-1');
  switch (op.kind) {
    case 'ack':
      return device(await world.bus.execute(new AcknowledgeCommand(id, deviceId(op.own))));
    case 'result':
      return device(
        await world.bus.execute(
          new RecordCommandResult(id, deviceId(op.own), op.status, op.output, op.error ?? null),
        ),
      );
    case 'cancel':
      try {
        const s = await world.bus.execute(new CancelCommand(id));
        return s.status === 'cancelled' ? 'cancelled' : `cancel answered ${s.status}`;
      } catch (e) {
        if (e instanceof LedgerError && e.code === 'not_cancellable')
          return `conflict:${e.state?.status ?? '?'}`;
        if (e instanceof LedgerError && e.code === 'not_found') return 'not_found';
        throw e;
      }
    case 'time_out': {
      const r = await world.bus.execute(new TimeOutCommand(id));
      if (r.outcome !== 'timed_out') return 'unchanged';
      return r.retriedAs
        ? `timed_out→${world.labels.get(r.retriedAs) ?? r.retriedAs}`
        : 'timed_out';
    }
    case 'expire':
      return (await world.bus.execute(new ExpireCommand(id))).outcome;
    case 'dispatch':
      return world.dispatcher.dispatch(id, id);
    case 'retry': {
      // What a sweep does for an attempt found due a retry: read it, then ask the scheduler.
      const state = await readCommand(world.store, id);
      if (!state) return 'absent';
      const r = await world.retries.retryIfDue(state);
      return r.retried ? `retried:${r.created ? 'created' : 'existing'}` : 'no-retry';
    }
  }
}

/** What the ledger shows of every command of the run, read outside the scheduler. */
export async function observe(world: World, run: Run) {
  const violations: string[] = [];
  const snapshot = await Promise.all(
    run.ids.map(async (id) => {
      const events = await world.inner.readStream(streamOf(id));
      for (const v of checkStream(id, events).violations)
        violations.push(`${world.labels.get(id)}: ${v.kind} ${v.detail}`);
      if (events.length === 0) return null;
      const view = await world.queries.execute(new GetCommandQuery(id)).catch((e: unknown) => {
        violations.push(`${world.labels.get(id)}: the query failed: ${String(e)}`);
        return null;
      });
      if (!view) return null;
      return {
        commandId: view.commandId,
        deviceId: view.deviceId,
        payload: view.payload,
        status: view.status,
        revision: view.revision,
        events: events.map((e) => e.type),
        attempt: view.attempt,
        retryOf: view.retryOf,
        retriedBy: view.retriedBy,
        requestedAt: view.requestedAt,
        sentAt: view.sentAt,
        acknowledgedAt: view.acknowledgedAt,
        completedAt: view.completedAt,
        result: view.result,
        error: view.error,
        lateResult: view.lateResult,
      };
    }),
  );
  return { snapshot, violations, intents: [...world.intents].sort() };
}

export const canonical = (v: unknown): string =>
  JSON.stringify(v, (_k, x: unknown) =>
    x && typeof x === 'object' && !Array.isArray(x)
      ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : 1)))
      : x,
  );
