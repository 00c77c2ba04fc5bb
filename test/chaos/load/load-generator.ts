/**
 * The HTTP load: operations at a steady rate against all instances. A request that gets no
 * answer (the instance was killed, paused, or PostgreSQL was down) is sent again with the same
 * commandId to the next instance, as a careful client would: the id is the idempotency key, so
 * the retry is answered 200 if the first try had committed.
 */
import { isShuttingDown } from '../env/cleanup.js';
import { sleep } from '../env/free-port.js';
import type { Prng } from '../random/prng.js';
import { ClientRecord, type IssuedCommand } from './client-record.js';
import { nextOperation, type MixOptions, type Operation } from './command-mix.js';
import { request, type HttpAnswer } from './http-client.js';

export interface LoadOptions extends MixOptions {
  readonly urls: readonly string[];
  readonly ratePerSecond: number;
  /** Operations in flight above which a tick is skipped (its operation is still drawn). */
  readonly maxInFlight: number;
}

/** How long a client keeps trying one request across instances before it gives up. */
const GIVE_UP_MS = 20_000;

export class LoadGenerator {
  readonly record = new ClientRecord();
  private inFlight = new Set<Promise<void>>();
  private seq = 0;
  private stopped = false;
  private loop: Promise<void> = Promise.resolve();

  constructor(
    private readonly rng: Prng,
    private readonly o: LoadOptions,
  ) {}

  start(): void {
    this.loop = this.run();
  }

  /** Stops issuing, then waits for every operation in flight (each is bounded). */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private async run(): Promise<void> {
    const interval = 1000 / this.o.ratePerSecond;
    const startedAt = Date.now();
    for (let tick = 0; !this.stopped && !isShuttingDown(); tick++) {
      const op = nextOperation(this.rng, this.seq++, this.o);
      if (this.inFlight.size >= this.o.maxInFlight) this.record.opsSkipped++;
      else this.track(this.execute(op));
      // Paced against the start, so a slow tick does not lower the rate for good.
      const wait = startedAt + (tick + 1) * interval - Date.now();
      if (wait > 0) await sleep(wait);
    }
  }

  private track(p: Promise<void>): void {
    const tracked = p.catch((e: unknown) => {
      this.record.unexpected.push(`load: ${String(e)}`);
    });
    this.inFlight.add(tracked);
    void tracked.finally(() => this.inFlight.delete(tracked));
  }

  private async execute(op: Operation): Promise<void> {
    switch (op.op) {
      case 'issue':
        return this.issue(op);
      case 'reissue':
        return this.reissue(op);
      case 'get':
        return this.get(op);
      case 'fleet':
        return this.fleet(op);
    }
  }

  /** Sends to `first`, then to the others in turn, until a definite answer or the bound. */
  private async withFailover(
    first: number,
    send: (url: string) => Promise<HttpAnswer>,
    definite: (a: HttpAnswer) => boolean,
  ): Promise<{ answer: HttpAnswer; tries: number }> {
    const giveUpAt = Date.now() + GIVE_UP_MS;
    let answer: HttpAnswer = { ok: false, error: 'not sent' };
    for (let tries = 1; ; tries++) {
      const url = this.o.urls[(first + tries - 1) % this.o.urls.length]!;
      answer = await send(url);
      if (!answer.ok) this.record.countError(answer.error);
      else if (answer.status >= 500) this.record.countError(`HTTP ${answer.status}`);
      if (definite(answer) || Date.now() > giveUpAt || isShuttingDown()) return { answer, tries };
      // Every instance refused in turn: back off before the next round.
      if (tries % this.o.urls.length === 0) await sleep(Math.min(2_000, 100 * tries));
    }
  }

  private async issue(op: Extract<Operation, { op: 'issue' }>): Promise<void> {
    const { commandId } = op.body;
    const c: IssuedCommand = {
      commandId,
      kind: op.kind,
      body: op.body,
      outcome: 'pending',
      created: false,
      tries: 0,
      cancels: [],
    };
    this.record.commands.set(commandId, c);
    const { answer, tries } = await this.withFailover(
      op.instance,
      (url) => request(url, 'POST', '/commands', op.body),
      (a) => a.ok && a.status < 500,
    );
    c.tries = tries;
    if (!answer.ok || answer.status >= 500) {
      c.outcome = 'unanswered';
      return;
    }
    if (answer.status === 201 || answer.status === 200) {
      c.outcome = 'accepted';
      c.created = answer.status === 201;
      this.record.accepted.push(commandId);
      this.record.observe(commandId, answer.body, `POST ${answer.status}`);
      // A new id answered 200 on the very first try: someone else created it.
      if (answer.status === 200 && tries === 1)
        this.record.unexpected.push(`${commandId}: a new command id was answered 200`);
    } else {
      c.outcome = 'unanswered';
      this.record.unexpected.push(
        `${commandId}: POST /commands answered ${answer.status} ${JSON.stringify(answer.body).slice(0, 300)}`,
      );
      return;
    }
    if (op.kind === 'cancel') {
      await sleep(op.cancelAfterMs);
      await this.cancel(c, op.cancelInstance);
    }
  }

  private async cancel(c: IssuedCommand, instance: number): Promise<void> {
    const { answer } = await this.withFailover(
      instance,
      (url) => request(url, 'POST', `/commands/${c.commandId}/cancel`),
      (a) => a.ok && a.status < 500,
    );
    if (!answer.ok || answer.status >= 500) c.cancels.push('unknown');
    else if (answer.status === 200) {
      c.cancels.push('cancelled');
      this.record.observe(c.commandId, answer.body, 'cancel 200');
    } else if (answer.status === 409) {
      c.cancels.push('refused');
      this.record.observe(c.commandId, answer.body?.command, 'cancel 409');
    } else
      this.record.unexpected.push(
        `${c.commandId}: cancel answered ${answer.status} ${JSON.stringify(answer.body).slice(0, 300)}`,
      );
  }

  private async reissue(op: Extract<Operation, { op: 'reissue' }>): Promise<void> {
    const ids = this.record.accepted;
    if (ids.length === 0) return;
    const commandId = ids[Math.floor(op.pick * ids.length)]!;
    const original = this.record.commands.get(commandId)!;
    const body = op.sameBody
      ? original.body
      : { ...original.body, payload: { ...(original.body.payload as object), changed: true } };
    const { answer } = await this.withFailover(
      op.instance,
      (url) => request(url, 'POST', '/commands', body),
      (a) => a.ok && a.status < 500,
    );
    const status = answer.ok && answer.status < 500 ? answer.status : 'unknown';
    this.record.reissues.push({ commandId, sameBody: op.sameBody, status });
    if (status === 200)
      this.record.observe(commandId, answer.ok ? answer.body : null, 'reissue 200');
  }

  private async get(op: Extract<Operation, { op: 'get' }>): Promise<void> {
    const ids = this.record.accepted;
    if (ids.length === 0) return;
    const commandId = ids[Math.floor(op.pick * ids.length)]!;
    this.record.gets++;
    // One try: a probe, not a client that needs the answer.
    const answer = await request(this.o.urls[op.instance]!, 'GET', `/commands/${commandId}`);
    if (!answer.ok) return this.record.countError(answer.error);
    if (answer.status === 200) this.record.observe(commandId, answer.body, 'GET');
    else if (answer.status >= 500) this.record.countError(`HTTP ${answer.status}`);
    else
      this.record.unexpected.push(
        `${commandId}: GET answered ${answer.status} for an accepted command`,
      );
  }

  private async fleet(op: Extract<Operation, { op: 'fleet' }>): Promise<void> {
    const id = op.body.fleetCommandId;
    this.record.fleets.add(id);
    const { answer } = await this.withFailover(
      op.instance,
      (url) => request(url, 'POST', '/fleet-commands', op.body),
      (a) => a.ok && a.status < 500,
    );
    if (!answer.ok || answer.status >= 500) return;
    if (answer.status !== 201 && answer.status !== 200) {
      this.record.unexpected.push(
        `fleet ${id}: POST /fleet-commands answered ${answer.status} ${JSON.stringify(answer.body).slice(0, 300)}`,
      );
      return;
    }
    for (const c of op.controls) {
      await sleep(c.afterMs);
      const { answer: a } = await this.withFailover(
        c.instance,
        (url) => request(url, 'POST', `/fleet-commands/${id}/${c.kind}`),
        (x) => x.ok && x.status < 500,
      );
      if (!a.ok || a.status >= 500) continue;
      const key = `${c.kind} ${a.status}`;
      this.record.fleetControls.set(key, (this.record.fleetControls.get(key) ?? 0) + 1);
      if (a.status !== 200 && a.status !== 409)
        this.record.unexpected.push(`fleet ${id}: ${c.kind} answered ${a.status}`);
    }
    // Never leave a fleet paused: the run's end must find every child settled.
    const { answer: last } = await this.withFailover(
      op.instance,
      (url) => request(url, 'POST', `/fleet-commands/${id}/resume`),
      (x) => x.ok && x.status < 500,
    );
    if (last.ok && last.status !== 200 && last.status !== 409)
      this.record.unexpected.push(`fleet ${id}: resume answered ${last.status}`);
  }
}
