/**
 * The brokers the integration specs run against: the embedded Aedes (always) and the shared
 * Mosquitto, which under CI=true must answer — a missing broker in CI is a failure, not a skip.
 * (A copy of libs/mqtt's test helper, which has no public alias to import it by.)
 */
import net from 'node:net';
import { randomUUID } from 'node:crypto';
import { parseBrokerUrl, startEmbeddedBroker } from '@ratchet/mqtt';

export const MOSQUITTO_URL = process.env['MOSQUITTO_URL'] ?? 'mqtt://127.0.0.1:1883';

export interface TestBroker {
  readonly url: string;
  close(): Promise<void>;
}

export interface BrokerCase {
  readonly name: string;
  /** Undefined: not available here (never under CI=true). */
  readonly start?: () => Promise<TestBroker>;
}

function brokerAnswers(url: string, timeoutMs = 1000): Promise<boolean> {
  const { host, port } = parseBrokerUrl(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
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
  process.stderr.write(`SKIPPING the device-sim Mosquitto tests: ${message}\n`);
  return [aedes, { name: `Mosquitto at ${MOSQUITTO_URL}` }];
}

/** Device ids no other test (or concurrent run on the shared Mosquitto) uses. */
export const uniquePrefix = (what: string): string => `${what}-${randomUUID().slice(0, 8)}`;

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function waitFor(
  predicate: () => boolean,
  what: string,
  timeoutMs = 5000,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}
