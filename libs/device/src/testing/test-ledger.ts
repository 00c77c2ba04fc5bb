/**
 * The ledger's side of the topics, for tests: publishes intents and records every answer and
 * presence message of the devices it watches, as they arrive.
 */
import { randomUUID } from 'node:crypto';
import {
  connectMqtt,
  encodeIntent,
  intentTopic,
  parseInboundTopic,
  parsePresenceTopic,
  presenceTopic,
  type MqttProtocolChoice,
} from '@ratchet/mqtt';

export interface ObservedAnswer {
  /** The device id in the topic (a spoof names a device that did not answer). */
  readonly deviceId: string;
  readonly commandId: string;
  readonly kind: 'ack' | 'result';
  readonly body: unknown;
}

export interface ObservedPresence {
  readonly deviceId: string;
  readonly online: boolean;
  readonly epoch: number;
  /** True when it came as a retained message (to a subscription made after it). */
  readonly retained: boolean;
}

export interface IntentSpec {
  readonly commandId?: string;
  readonly name?: string;
  readonly payload?: Record<string, unknown>;
  readonly expiresAt?: Date;
}

export interface TestLedger {
  readonly answers: ObservedAnswer[];
  readonly presence: ObservedPresence[];
  /** Resolves with the command id once the broker has the intent. */
  sendIntent(deviceId: string, spec?: IntentSpec): Promise<string>;
  answersTo(commandId: string): ObservedAnswer[];
  presenceOf(deviceId: string): ObservedPresence[];
  close(): Promise<void>;
}

export async function openTestLedger(
  url: string,
  deviceIds: readonly string[],
  options: {
    readonly protocol?: MqttProtocolChoice;
    /** Subscribe to the devices' presence too (default true). A broker queues a bounded number
     * of messages per subscriber (Mosquitto: 1,000) and every retained birth arrives at once on
     * subscribing, so an observer of a thousand devices that only counts answers says false. */
    readonly watchPresence?: boolean;
  } = {},
): Promise<TestLedger> {
  const answers: ObservedAnswer[] = [];
  const presence: ObservedPresence[] = [];
  const c = await connectMqtt({
    url,
    ...(options.protocol !== undefined ? { protocol: options.protocol } : {}),
    reconnectPeriodMs: 100,
    prepare: (client) =>
      client.on('message', (topic, payload, packet) => {
        const text = payload.toString('utf8');
        const body: unknown = text ? JSON.parse(text) : undefined;
        const p = parsePresenceTopic(topic);
        if (p.ok) {
          const { online, epoch } = body as { online: boolean; epoch: number };
          presence.push({ deviceId: p.deviceId, online, epoch, retained: packet.retain });
          return;
        }
        const t = parseInboundTopic(topic);
        if (t.ok)
          answers.push({ deviceId: t.deviceId, commandId: t.commandId, kind: t.kind, body });
      }),
  });
  // Every watched device's answers (spoofs included: they name another watched device).
  await c.client.subscribeAsync(
    deviceIds.flatMap((id) => [
      `devices/${id}/commands/+/ack`,
      `devices/${id}/commands/+/result`,
      ...(options.watchPresence === false ? [] : [presenceTopic(id)]),
    ]),
    { qos: 1 },
  );
  return {
    answers,
    presence,
    sendIntent: async (deviceId, spec = {}) => {
      const commandId = spec.commandId ?? randomUUID();
      const now = new Date();
      const intent = {
        commandId,
        name: spec.name ?? 'set-speed',
        payload: spec.payload ?? { rpm: 1200 },
        attempt: 1,
        issuedAt: now,
        expiresAt: spec.expiresAt ?? new Date(now.getTime() + 60_000),
      };
      await c.client.publishAsync(intentTopic(deviceId, commandId), encodeIntent(intent), {
        qos: 1,
      });
      return commandId;
    },
    answersTo: (commandId) => answers.filter((a) => a.commandId === commandId),
    presenceOf: (deviceId) => presence.filter((p) => p.deviceId === deviceId),
    close: () => c.close(true),
  };
}

/** The retained presence of a device, as a subscriber arriving now sees it (or undefined). */
export async function retainedPresence(
  url: string,
  deviceId: string,
  waitMs = 500,
): Promise<ObservedPresence | undefined> {
  const late = await openTestLedger(url, [deviceId]);
  const until = Date.now() + waitMs;
  while (late.presence.length === 0 && Date.now() < until)
    await new Promise((r) => setTimeout(r, 10));
  await late.close();
  return late.presence[0];
}
