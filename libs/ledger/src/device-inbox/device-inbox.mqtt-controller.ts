import { Injectable, Logger } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { IPublishPacket } from 'mqtt';
import { isPermanentStoreError } from '@ratchet/event-store';
import { decodeAck, decodeResult, parseInboundTopic } from '@ratchet/mqtt';
import { AcknowledgeCommand } from '../acknowledge-command/acknowledge-command.command.js';
import type { DeviceInputOutcome, MqttFacts } from '../device-input.js';
import { runWithCommand } from '../logging/log-context.js';
import { LedgerMetrics } from '../metrics/ledger-metrics.js';
import { RecordResult } from '../record-result/record-result.command.js';
import { CorruptStreamError } from '../transition/command-stream.js';
import { LogLimiter } from './log-limiter.js';

/** Thrown while shutting down: the message gets no PUBACK and the broker redelivers it. */
export class InboxClosedError extends Error {
  override readonly name = 'InboxClosedError';
  constructor() {
    super('the device inbox is closing');
  }
}

/** How long a message whose handling failed (store unreachable) is retried in-process. */
const STORE_RETRY_MS = 20_000;

/**
 * Device → ledger: acks and results become `AcknowledgeCommand` / `RecordResult` on the bus.
 * Whatever a device sends, this resolves (→ PUBACK) once the append or the harmless no-op has
 * committed; it rejects (→ no PUBACK, redelivery) only when the ledger itself could not decide.
 */
@Injectable()
export class DeviceInbox {
  private readonly logger = new Logger('DeviceInbox');
  private readonly limiter = new LogLimiter();
  private inFlight = 0;
  private lastArrival = 0;
  private closing = false;
  private drained: (() => void) | null = null;

  constructor(
    private readonly bus: CommandBus,
    private readonly metrics: LedgerMetrics,
  ) {}

  async handle(topic: string, payload: Buffer, packet: IPublishPacket): Promise<void> {
    if (this.closing) throw new InboxClosedError();
    this.lastArrival = Date.now();
    this.inFlight++;
    try {
      // What this message says it is about (the route checks it): on every line logged for it.
      const t = parseInboundTopic(topic);
      if (!t.ok) return await this.deliver(topic, payload, packet);
      return await runWithCommand(
        { commandId: t.commandId.toLowerCase(), deviceId: t.deviceId },
        () => this.deliver(topic, payload, packet),
      );
    } finally {
      if (--this.inFlight === 0) this.drained?.();
    }
  }

  /** Routes the message; retries what failed for a reason retrying can cure. */
  private async deliver(topic: string, payload: Buffer, packet: IPublishPacket): Promise<void> {
    // Retried here rather than left to the broker: an unacknowledged message comes back only
    // when this connection reconnects, which an instance that outlives a short database
    // outage never does, so the device's answer would never be recorded (found by the chaos
    // run). Bounded well below 1.5 × keepalive: mqtt.js holds PINGRESPs meanwhile.
    const giveUpAt = Date.now() + STORE_RETRY_MS;
    for (let delay = 100; ; delay = Math.min(delay * 2, 2_000)) {
      try {
        return await this.route(topic, payload, packet);
      } catch (e) {
        if (isPermanentStoreError(e) || e instanceof CorruptStreamError)
          return this.unprocessable(topic, payload, e);
        if (this.closing || Date.now() + delay > giveUpAt) throw e;
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  /**
   * Resolves once no message has arrived for `quietMs` (or after `maxMs`): what the broker had
   * already routed here before the ledger left its shared group is handled, not refused.
   */
  async settle(quietMs: number, maxMs: number): Promise<void> {
    const until = Date.now() + maxMs;
    while (Date.now() < until) {
      const quietFor = Date.now() - this.lastArrival;
      if (this.inFlight === 0 && quietFor >= quietMs) return;
      await new Promise((r) => setTimeout(r, Math.max(20, Math.min(quietMs - quietFor, 100))));
    }
  }

  /** Take no new message, and wait for those being handled (their PUBACKs follow). */
  async close(): Promise<void> {
    this.closing = true;
    if (this.inFlight > 0) await new Promise<void>((r) => (this.drained = r));
  }

  private async route(topic: string, payload: Buffer, packet: IPublishPacket): Promise<void> {
    const t = parseInboundTopic(topic);
    if (!t.ok) return this.reject(t.reason, topic);
    const commandId = t.commandId.toLowerCase();
    const mqtt: MqttFacts = {
      topic,
      qos: packet.qos,
      dup: packet.dup,
      retain: packet.retain,
      ...(packet.messageId === undefined ? {} : { messageId: packet.messageId }),
    };
    let outcome: DeviceInputOutcome;
    if (t.kind === 'ack') {
      const ack = decodeAck(payload);
      if (!ack.ok) return this.reject(ack.reason, topic);
      outcome = await this.bus.execute(new AcknowledgeCommand(commandId, t.deviceId, mqtt));
    } else {
      const result = decodeResult(payload);
      if (!result.ok) return this.reject(result.reason, topic);
      const { status, output, error } = result.value;
      outcome = await this.bus.execute(
        new RecordResult(commandId, t.deviceId, status, output, error ?? null, mqtt),
      );
    }
    // Spoofed and unknown commands are rejections of the input, counted like malformed ones.
    if (outcome.reason === 'device_mismatch' || outcome.reason === 'not_found') {
      this.reject(outcome.reason === 'not_found' ? 'unknown_command' : 'device_mismatch', topic);
    }
  }

  /**
   * A message that passed the edge's checks but that the store refuses for its content, or
   * that targets a stream which is not a command stream: retrying cannot help, and leaving it
   * without PUBACK would hold it in the session and bring it back at every reconnect. It is
   * acknowledged, counted as `unprocessable` and logged whole (bounded) at error level, so
   * that an operator can replay it by hand once the cause is fixed.
   */
  private unprocessable(topic: string, payload: Buffer, error: unknown): void {
    this.metrics.inboundRejected.inc({ reason: 'unprocessable' });
    this.logger.error(
      `inbound message on ${JSON.stringify(topic.slice(0, 200))} cannot be recorded and is ` +
        `dropped (${error instanceof Error ? error.message : String(error)}); payload (base64, ` +
        `first 2 KiB of ${payload.length} bytes): ${payload.subarray(0, 2048).toString('base64')}`,
    );
  }

  private reject(reason: string, topic: string): void {
    this.metrics.inboundRejected.inc({ reason });
    const { log, suppressed } = this.limiter.take(reason, Date.now());
    if (suppressed > 0)
      this.logger.warn(
        `${suppressed} more inbound messages rejected as ${reason} in the last minute`,
      );
    if (log)
      this.logger.warn(
        `inbound message rejected (${reason}) on ${JSON.stringify(topic.slice(0, 200))}`,
      );
  }
}
