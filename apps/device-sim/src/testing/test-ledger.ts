/** The ledger's side of the topics, for tests: publishes intents and records every answer. */
import { randomUUID } from 'node:crypto';
import { connectMqtt, encodeIntent, intentTopic, parseInboundTopic } from '@ratchet/mqtt';

export interface ObservedAnswer {
  /** The device id in the topic (a spoof names a device that did not answer). */
  readonly deviceId: string;
  readonly commandId: string;
  readonly kind: 'ack' | 'result';
  readonly body: unknown;
}

export interface IntentSpec {
  readonly name?: string;
  readonly expiresAt?: Date;
}

export interface TestLedger {
  readonly answers: ObservedAnswer[];
  /** Resolves with the command id once the broker has the intent. */
  sendIntent(deviceId: string, spec?: IntentSpec): Promise<string>;
  answersTo(commandId: string): ObservedAnswer[];
  close(): Promise<void>;
}

export async function openTestLedger(
  url: string,
  deviceIds: readonly string[],
): Promise<TestLedger> {
  const answers: ObservedAnswer[] = [];
  const c = await connectMqtt({
    url,
    prepare: (client) =>
      client.on('message', (topic, payload) => {
        const t = parseInboundTopic(topic);
        if (!t.ok) return;
        const text = payload.toString('utf8');
        answers.push({
          deviceId: t.deviceId,
          commandId: t.commandId,
          kind: t.kind,
          body: text ? JSON.parse(text) : undefined,
        });
      }),
  });
  // Every fleet device's answers, spoofs included (they name another fleet device).
  await c.client.subscribeAsync(
    deviceIds.flatMap((id) => [`devices/${id}/commands/+/ack`, `devices/${id}/commands/+/result`]),
    { qos: 1 },
  );
  return {
    answers,
    sendIntent: async (deviceId, spec = {}) => {
      const commandId = randomUUID();
      const now = new Date();
      const expiresAt = spec.expiresAt ?? new Date(now.getTime() + 60_000);
      const intent = {
        commandId,
        name: spec.name ?? 'set-speed',
        payload: { rpm: 1200 },
        attempt: 1,
        issuedAt: now,
        expiresAt,
      };
      await c.client.publishAsync(intentTopic(deviceId, commandId), encodeIntent(intent), {
        qos: 1,
      });
      return commandId;
    },
    answersTo: (commandId) => answers.filter((a) => a.commandId === commandId),
    close: () => c.close(),
  };
}
