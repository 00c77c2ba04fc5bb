/**
 * Starts the real service in-process (the same `startLedger` that `npm start` runs) and talks to
 * it the way users and devices do: HTTP with fetch, MQTT with mqtt.js.
 */
import { afterAll } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { type RunningLedger, startLedger } from '@ratchet/ledger-app';
import { loadConfig } from '@ratchet/ledger-app';

export interface TestLedger extends RunningLedger {
  http(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: any }>; // eslint-disable-line @typescript-eslint/no-explicit-any
  stop(): Promise<void>;
}

/**
 * Ledgers started by this test file and not stopped yet, their starts included. A start that
 * outlives its hook's timeout on a loaded machine would otherwise finish after the file's
 * environment is torn down, and its embedded broker would crash the Jest process on the next
 * connection ("require after the Jest environment has been torn down").
 */
const live = new Set<Promise<TestLedger>>();
afterAll(async () => {
  await Promise.allSettled([...live].map(async (started) => (await started).stop()));
}, 180_000);

/** `env` overrides the environment the service reads (CONTRACT.md section 4). */
export function startTestLedger(env: Record<string, string> = {}): Promise<TestLedger> {
  const started = start(env);
  live.add(started);
  started.catch(() => live.delete(started));
  return started.then((ledger) => ({
    ...ledger,
    stop: async () => {
      live.delete(started);
      await ledger.stop();
    },
  }));
}

async function start(env: Record<string, string>): Promise<TestLedger> {
  const dataDir = env.LEDGER_DATA_DIR ?? (await mkdtemp(join(tmpdir(), 'ratchet-e2e-')));
  const config = loadConfig({
    HTTP_PORT: '0',
    MQTT_EMBEDDED_PORT: '0',
    LEDGER_DATA_DIR: dataDir,
    LEDGER_INSTANCE_ID: `test-${randomUUID().slice(0, 8)}`,
    ...env,
  });
  const running = await startLedger(config, ['error', 'warn']);
  return {
    ...running,
    http: async (method, path, body, headers = {}) => {
      const res = await fetch(`${running.httpUrl}${path}`, {
        method,
        headers: {
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...headers,
        },
        body:
          body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        /* not JSON: keep the text */
      }
      return { status: res.status, body: parsed };
    },
    stop: async () => {
      await running.close();
      if (!env.LEDGER_DATA_DIR) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** A raw device-side client: tests craft exactly the messages they mean. */
export async function connectDevice(url: string, protocolVersion: 4 | 5 = 4): Promise<MqttClient> {
  return mqtt.connectAsync(url, {
    protocolVersion,
    clientId: `test-device-${randomUUID().slice(0, 8)}`,
  });
}

/** Poll until `check` returns a value (not undefined), or fail with what was last seen. */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  what: string,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
