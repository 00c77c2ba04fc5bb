/**
 * Test helpers for the MQTT integration specs. A spec that needs Mosquitto skips when it is
 * absent on a developer machine, but FAILS under CI=true: a missing broker in CI is a broken
 * pipeline, not a reason to go green.
 */
import { randomUUID } from 'node:crypto';
import { parseBrokerUrl } from '../broker-url.js';
import { portAnswers } from './ports.js';

export const MOSQUITTO_URL = process.env['MOSQUITTO_URL'] ?? 'mqtt://127.0.0.1:1883';

export function brokerAnswers(url: string, timeoutMs = 1000): Promise<boolean> {
  const { host, port } = parseBrokerUrl(url);
  return portAnswers(host, port, timeoutMs);
}

/** Resolves whether to run; throws under CI=true when Mosquitto does not answer. */
export async function requireMosquitto(): Promise<boolean> {
  if (await brokerAnswers(MOSQUITTO_URL)) return true;
  const message =
    `Mosquitto does not answer at ${MOSQUITTO_URL} (set MOSQUITTO_URL, or start it: ` +
    `mosquitto -d -c /etc/mosquitto/mosquitto.conf)`;
  if (process.env['CI'] === 'true')
    throw new Error(`${message}; CI=true, so this is a failure, not a skip`);
  process.stderr.write(`SKIPPING Mosquitto integration tests: ${message}\n`);
  return false;
}

/** A name no other test run (or concurrent engineer) uses. */
export const uniqueName = (prefix: string): string => `${prefix}-${randomUUID().slice(0, 8)}`;

export interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Polls `predicate` until it holds or `timeoutMs` passes (then throws with `what`). */
export async function waitFor(
  predicate: () => boolean,
  what: string,
  timeoutMs = 5000,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function waitForAsync(
  predicate: () => Promise<boolean>,
  what: string,
  timeoutMs = 5000,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(25);
  }
}
