import { Injectable, Logger } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { IPublishPacket } from 'mqtt';
import { isPermanentStoreError } from '@ratchet/event-store';
import { presenceInput } from '@ratchet/lifecycle';
import {
  type InboundKind,
  decodeAck,
  decodePresence,
  decodeResult,
  parseInboundTopic,
  parsePresenceTopic,
} from '@ratchet/mqtt';
import { RecordPresence } from '../record-presence/record-presence.command.js';
import { AcknowledgeCommand } from '../acknowledge-command/acknowledge-command.command.js';
import type { DeviceInputOutcome, MqttFacts } from '../device-input.js';
import { runWithCommand } from '../logging/log-context.js';
import { LedgerMetrics } from '../metrics/ledger-metrics.js';
import { RecordCommandResult } from '../record-command-result/record-command-result.command.js';
import { CorruptStreamError } from '../transition/command-stream.js';
import { LogLimiter } from './log-limiter.js';

/** Thrown while shutting down: the message gets no PUBACK and the broker redelivers it. */
export class InboxClosedError extends Error {
  override readonly name = 'InboxClosedError';
  constructor() {
    super('the device inbox is closing');
  }
}

/**
 * Thrown when a message could not be recorded within the in-process retries (the store is
 * unreachable): no PUBACK, and the gateway drops that connection so the broker delivers the
 * message again (see `redeliverOn` in ack-after-handler).
 */
export class InboxRetriesExhaustedError extends Error {
  override readonly name = 'InboxRetriesExhaustedError';
  constructor(override readonly cause: unknown) {
    super(`not recorded after ${STORE_RETRY_MS / 1000} s of retries: ${String(cause)}`);
  }
}

/** How long a message whose handling failed (store unreachable) is retried in-process. */
const STORE_RETRY_MS = 20_000;

/** The outcomes that say the input itself was wrong, and the reason they are counted under. */
const REJECTED_INPUT: Readonly<Record<string, string>> = {
  not_found: 'unknown_command',
  device_mismatch: 'device_mismatch',
};

/**
 * Device → ledger: acks and results become `AcknowledgeCommand` / `RecordCommandResult` on the bus.
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
      // The topic is parsed once: it names the device and the command, which every line
      // logged about this message then carries.
      if (topic.endsWith('/presence')) return await this.presence(topic, payload, packet);
      const t = parseInboundTopic(topic);
      if (!t.ok) return this.reject(t.reason, topic);
      const commandId = t.commandId.toLowerCase();
      return await runWithCommand({ commandId, deviceId: t.deviceId }, async () => {
        const command = toCommand(t.kind, commandId, t.deviceId, payload, packet);
        if ('rejected' in command) return this.reject(command.rejected, topic);
        await this.deliver(command, topic, payload);
      });
    } finally {
      if (--this.inFlight === 0) this.drained?.();
    }
  }

  /** `devices/{id}/presence`: the device's birth, will or goodbye (CONTRACT.md section 5). */
  private async presence(topic: string, payload: Buffer, packet: IPublishPacket): Promise<void> {
    const t = parsePresenceTopic(topic);
    if (!t.ok) return this.reject(t.reason, topic);
    // A retained presence cleared by an empty payload is no presence: acknowledged, not counted.
    if (payload.length === 0 && packet.retain) return;
    const decoded = decodePresence(payload);
    if (!decoded.ok) return this.reject(`presence_${decoded.reason}`, topic);
    await this.deliver(
      new RecordPresence(t.deviceId, presenceInput(decoded.value), mqttFacts(packet)),
      topic,
      payload,
    );
  }

  /**
   * Executes the command on the bus, and retries what failed for a reason retrying can cure.
   * Three layers retry, each for its own failure: the transition shell decides again after a
   * lost race (a stale revision); this loop retries while the store is unreachable; and a
   * message that still fails is left without PUBACK, for the broker to deliver again.
   */
  private async deliver(
    command: AcknowledgeCommand | RecordCommandResult | RecordPresence,
    topic: string,
    payload: Buffer,
  ): Promise<void> {
    // Retried here rather than left to the broker: an unacknowledged message comes back only
    // when this connection reconnects, which an instance that outlives a short database
    // outage never does, so the device's answer would never be recorded (found by the chaos
    // run). Bounded well below 1.5 × keepalive: mqtt.js holds PINGRESPs meanwhile. After that,
    // the connection is dropped and the broker delivers the message again (a longer outage).
    const giveUpAt = Date.now() + STORE_RETRY_MS;
    let failed = false;
    for (let delay = 100; ; delay = Math.min(delay * 2, 2_000)) {
      try {
        const outcome: DeviceInputOutcome = await this.bus.execute<
          AcknowledgeCommand | RecordCommandResult | RecordPresence,
          DeviceInputOutcome
        >(command);
        if (failed) this.metrics.inboxRecovered.inc();
        // Spoofed and unknown commands are rejections of the input, counted like malformed ones.
        const rejection = outcome.reason ? REJECTED_INPUT[outcome.reason] : undefined;
        if (rejection) this.reject(rejection, topic);
        return;
      } catch (e) {
        if (isPermanentStoreError(e) || e instanceof CorruptStreamError)
          return this.unprocessable(topic, payload, e);
        if (this.closing) throw e;
        if (Date.now() + delay > giveUpAt) throw new InboxRetriesExhaustedError(e);
        failed = true;
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

/**
 * The device's message as the command the bus routes to its use case, or why its payload is
 * not one.
 */
function toCommand(
  kind: InboundKind,
  commandId: string,
  deviceId: string,
  payload: Buffer,
  packet: IPublishPacket,
): AcknowledgeCommand | RecordCommandResult | { readonly rejected: string } {
  const mqtt = mqttFacts(packet);
  if (kind === 'ack') {
    const ack = decodeAck(payload);
    if (!ack.ok) return { rejected: ack.reason };
    return new AcknowledgeCommand(commandId, deviceId, mqtt, epochOf(ack.value.epoch));
  }
  const result = decodeResult(payload);
  if (!result.ok) return { rejected: result.reason };
  const { status, output, error, epoch } = result.value;
  return new RecordCommandResult(
    commandId,
    deviceId,
    status,
    output,
    error ?? null,
    mqtt,
    epochOf(epoch),
  );
}

const mqttFacts = (packet: IPublishPacket): MqttFacts => ({
  topic: String(packet.topic),
  qos: packet.qos,
  dup: packet.dup,
  retain: packet.retain,
  ...(packet.messageId === undefined ? {} : { messageId: packet.messageId }),
});

/** An epoch worth keeping for audit: a whole number ≥ 1 (anything else is left out). */
const epochOf = (e: unknown): number | undefined =>
  typeof e === 'number' && Number.isSafeInteger(e) && e >= 1 ? e : undefined;
