/**
 * The brokers device integration tests run against: the embedded Aedes (always) and Mosquitto
 * at MOSQUITTO_URL, which under CI=true must answer — a missing broker in CI is a failure,
 * not a skip.
 */
import { randomUUID } from 'node:crypto';
import { startEmbeddedBroker } from '@ratchet/mqtt';
import { MOSQUITTO_URL, brokerAnswers } from '@ratchet/mqtt/testing';

export interface TestBroker {
  readonly url: string;
  close(): Promise<void>;
}

export interface BrokerCase {
  readonly name: string;
  /** Undefined: not available here (never under CI=true). */
  readonly start?: () => Promise<TestBroker>;
}

export async function testBrokers(): Promise<BrokerCase[]> {
  const aedes: BrokerCase = {
    name: 'the embedded Aedes broker (MQTT 3.1.1)',
    start: async () => startEmbeddedBroker({ port: 0 }),
  };
  if (await brokerAnswers(MOSQUITTO_URL)) {
    return [
      aedes,
      {
        name: `Mosquitto at ${MOSQUITTO_URL}`,
        start: async () => ({ url: MOSQUITTO_URL, close: async () => undefined }),
      },
    ];
  }
  const message = `Mosquitto does not answer at ${MOSQUITTO_URL} (set MOSQUITTO_URL, or start it: mosquitto -d -c /etc/mosquitto/mosquitto.conf)`;
  if (process.env['CI'] === 'true')
    throw new Error(`${message}; CI=true, so this is a failure, not a skip`);
  process.stderr.write(`SKIPPING the Mosquitto device tests: ${message}\n`);
  return [aedes, { name: `Mosquitto at ${MOSQUITTO_URL}` }];
}

/** Device ids no other test (or concurrent run on the shared Mosquitto) uses. */
export const uniquePrefix = (what: string): string => `${what}-${randomUUID().slice(0, 8)}`;
