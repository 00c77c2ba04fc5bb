import { Injectable, Logger } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { IPublishPacket } from 'mqtt';
import { decodeAck, decodeResult, parseInboundTopic } from '@ratchet/mqtt';
import { AcknowledgeCommand } from '../acknowledge-command/acknowledge-command.command.js';
import type { DeviceInputOutcome, MqttFacts } from '../device-input.js';
import { LedgerMetrics } from '../metrics/ledger-metrics.js';
import { RecordResult } from '../record-result/record-result.command.js';
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
  private closing = false;
  private drained: (() => void) | null = null;

  constructor(
    private readonly bus: CommandBus,
    private readonly metrics: LedgerMetrics,
  ) {}

  async handle(topic: string, payload: Buffer, packet: IPublishPacket): Promise<void> {
    if (this.closing) throw new InboxClosedError();
    this.inFlight++;
    try {
      // Retried here rather than left to the broker: an unacknowledged message comes back only
      // when this connection reconnects, which an instance that outlives a short database
      // outage never does, so the device's answer would never be recorded (found by the chaos
      // run). Bounded well below 1.5 × keepalive: mqtt.js holds PINGRESPs meanwhile.
      const giveUpAt = Date.now() + STORE_RETRY_MS;
      for (let delay = 100; ; delay = Math.min(delay * 2, 2_000)) {
        try {
          return await this.route(topic, payload, packet);
        } catch (e) {
          if (this.closing || Date.now() + delay > giveUpAt) throw e;
          await new Promise((r) => setTimeout(r, delay));
        }
      }
    } finally {
      if (--this.inFlight === 0) this.drained?.();
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
