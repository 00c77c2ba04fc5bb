/**
 * Sends the store's pending answers over the current client and settles each once the broker
 * has it (PUBACK). mqtt.js itself re-sends what it had in flight when a client reconnects, so
 * only answers it was never given are handed to it; a new client starts from nothing.
 */
import type { MqttClient } from 'mqtt';
import { errorMessage, type MqttLogger } from '@ratchet/mqtt';
import type { DeviceStore, PendingAnswer } from '../store/device-store.port.js';

export class AnswerSender {
  private client?: MqttClient;
  private online = false;
  private inFlight = new Set<number>();

  constructor(
    private readonly store: DeviceStore,
    private readonly logger: MqttLogger,
  ) {}

  /** A new client (a start): nothing of the last one's is in flight any more. */
  use(client: MqttClient | undefined): void {
    this.client = client;
    this.online = false;
    this.inFlight = new Set();
  }

  /** Connected (again): sends every pending answer that mqtt.js does not hold already. */
  connected(): void {
    this.online = true;
    for (const p of this.store.pending()) this.send(p);
  }

  disconnected(): void {
    this.online = false;
  }

  /** Stores the answer, then sends it if connected (else at the next connection). */
  enqueue(topic: string, payload: string): void {
    this.send(this.store.enqueue(topic, payload));
  }

  private send(p: PendingAnswer): void {
    const client = this.client;
    if (!client || !this.online || this.inFlight.has(p.id)) return;
    this.inFlight.add(p.id);
    client.publish(p.topic, p.payload, { qos: 1 }, (e) => {
      if (client === this.client) this.inFlight.delete(p.id);
      // A refusal by the broker (an MQTT 5 reason code, e.g. not authorised) will not change
      // on a retry: the answer is dropped, loudly. A closed connection is retried later.
      const refused = typeof (e as { code?: unknown } | undefined)?.code === 'number';
      if (e && !refused) return;
      if (refused)
        this.logger.error(`device answer on ${p.topic} refused by the broker: ${errorMessage(e)}`);
      this.store.settle(p.id);
    });
  }
}
