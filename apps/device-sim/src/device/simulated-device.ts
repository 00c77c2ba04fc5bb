/**
 * One simulated device: plans an answer to each intent with its own seeded stream and publishes
 * it on schedule. It does not own a connection: the fleet's `DeviceLink` (@ratchet/device)
 * decodes and deduplicates its intents and gives it a publisher, so many devices can share one
 * MQTT connection. Its own answers go through the SDK (epoch, kept until the broker has them);
 * its copies, spoofs and replays go out as they are, as a misbehaving device's would.
 */
import type { Answer, IntentDelivery } from '@ratchet/device';
import { ackTopic, resultTopic } from '@ratchet/mqtt';
import type { BehaviourOptions } from '../behaviour/behaviour.options.js';
import {
  planAnswer,
  type AnswerPlan,
  type PlannedMessage,
  type ResultBody,
} from '../behaviour/plan-answer.js';
import { deriveSeed, happens, seededRandom, type Random } from '../random/seeded-random.js';
import {
  countPlan,
  countSent,
  emptyStats,
  type DeviceStats,
  type PresenceCount,
} from './device-stats.js';
import { ReplayBuffer } from './replay-buffer.js';
import type { SimEventListener } from './sim-event.js';

export interface AnswerPublisher {
  /**
   * The device's own answer, through the SDK: stamped with the session epoch, kept until the
   * broker has it. Returns the payload sent.
   */
  answer(deviceId: string, commandId: string, answer: Answer): string;
  /** As given, QoS 1, not retained, fire and forget: copies, spoofs, replays. */
  publish(topic: string, payload: string): void;
  /** The current session epoch, stamped on copies and spoofs too (undefined before one). */
  readonly epoch: number | undefined;
}

export interface SimulatedDeviceOptions {
  readonly id: string;
  readonly behaviour: BehaviourOptions;
  readonly seed: number;
  /** The fleet's device ids, to spoof. */
  readonly peers: readonly string[];
  readonly publisher: AnswerPublisher;
  /** Answers kept for replays; default 50. */
  readonly replayBufferSize?: number;
  readonly onEvent?: SimEventListener;
  readonly now?: () => number;
}

/** Commands remembered to recognise a redelivered intent; bounded for long runs. */
const REMEMBERED_COMMANDS = 10_000;

export class SimulatedDevice {
  readonly id: string;
  private readonly counts = emptyStats();
  private readonly rng: Random;
  private readonly replayRng: Random;
  private readonly answered = new Map<string, AnswerPlan>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly sent: ReplayBuffer;
  private closed = false;

  constructor(private readonly o: SimulatedDeviceOptions) {
    this.id = o.id;
    this.rng = seededRandom(deriveSeed(o.seed, o.id));
    this.replayRng = seededRandom(deriveSeed(o.seed, o.id, 'replay'));
    this.sent = new ReplayBuffer(o.replayBufferSize ?? 50);
  }

  receive(d: IntentDelivery): void {
    if (this.closed) return;
    const { commandId } = d;
    const c = this.counts;
    c.intentsReceived++;
    if (!d.intent.ok) {
      c.invalidIntents++;
      this.o.onEvent?.({
        type: 'invalid-intent',
        deviceId: this.id,
        commandId,
        reason: d.intent.detail,
      });
      return;
    }
    const intent = d.intent.value;
    if (d.previous) {
      // An idempotent device repeats its answer to a redelivery instead of executing twice
      // (the SDK's dedupe memory says it was seen; this device's own says what it answered).
      c.duplicateIntents++;
      const previous = this.answered.get(commandId);
      if (!previous) return;
      this.o.onEvent?.({
        type: 'intent',
        deviceId: this.id,
        intent,
        duplicate: true,
        plan: previous,
      });
      if (previous.outcome !== 'silent') this.run(commandId, repeatOf(previous.messages));
      return;
    }
    const nowMs = (this.o.now ?? Date.now)();
    const plan = planAnswer(
      { deviceId: this.id, intent, nowMs, peers: this.o.peers },
      this.o.behaviour,
      this.rng,
    );
    this.remember(commandId, plan);
    countPlan(c, plan);
    this.o.onEvent?.({ type: 'intent', deviceId: this.id, intent, duplicate: false, plan });
    if (plan.outcome !== 'silent') this.run(commandId, plan.messages);
  }

  /** Counts what its connection did to its presence. */
  countPresence(what: PresenceCount): void {
    this.counts[what]++;
  }

  /** After a reconnect: re-publish some old answers, as a device with a stale outbox would. */
  replay(): number {
    if (this.closed) return 0;
    let count = 0;
    for (const a of this.sent.snapshot()) {
      if (!happens(this.replayRng.next(), this.o.behaviour.replayRate)) continue;
      this.o.publisher.publish(a.topic, a.payload);
      count++;
    }
    this.counts.replaysSent += count;
    if (count > 0) this.o.onEvent?.({ type: 'replay', deviceId: this.id, count });
    return count;
  }

  stats(): DeviceStats {
    return { ...this.counts };
  }

  /** Cancels pending answers; later intents are ignored. */
  close(): void {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  /** Publishes due messages now and chains one timer to the next, which keeps their order. */
  private run(commandId: string, messages: readonly PlannedMessage[], from = 0, elapsed = 0): void {
    let i = from;
    for (; i < messages.length && messages[i]!.atMs <= elapsed; i++)
      this.send(commandId, messages[i]!);
    if (i >= messages.length || this.closed) return;
    const next = messages[i]!.atMs;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.run(commandId, messages, i, next);
    }, next - elapsed);
    this.timers.add(timer);
  }

  private send(commandId: string, m: PlannedMessage): void {
    const topic = (m.kind === 'ack' ? ackTopic : resultTopic)(m.deviceId, commandId);
    const publisher = this.o.publisher;
    let payload: string;
    if (m.copy === 'original') {
      const answer: Answer =
        m.kind === 'ack' ? { kind: 'ack' } : { kind: 'result', result: m.body as ResultBody };
      payload = publisher.answer(m.deviceId, commandId, answer);
    } else {
      const epoch = publisher.epoch;
      payload = JSON.stringify(epoch === undefined ? m.body : { ...m.body, epoch });
      publisher.publish(topic, payload);
    }
    countSent(this.counts, m);
    // Replays are of the device's own answers; a spoof is not its to repeat.
    if (m.copy !== 'spoof') this.sent.add({ topic, payload });
  }

  private remember(commandId: string, plan: AnswerPlan): void {
    this.answered.set(commandId, plan);
    if (this.answered.size > REMEMBERED_COMMANDS) {
      this.answered.delete(this.answered.keys().next().value!);
    }
  }
}

/** The first answers again, now (no spoofs: the repeat is the device's own). */
const repeatOf = (messages: readonly PlannedMessage[]): PlannedMessage[] =>
  messages
    .filter((m) => m.copy === 'original')
    .map((m) => ({ ...m, atMs: 0, copy: 'duplicate' as const }));
