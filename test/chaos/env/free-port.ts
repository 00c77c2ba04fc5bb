import { freePort, portAnswers as answers } from '@ratchet/mqtt/testing';

export { freePort };

/** Does anything accept a TCP connection on this loopback port? */
export const portAnswers = (port: number, timeoutMs = 500): Promise<boolean> =>
  answers('127.0.0.1', port, timeoutMs);

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it holds or `timeoutMs` passes; resolves whether it held. */
export async function until(
  check: () => Promise<boolean> | boolean,
  timeoutMs: number,
  everyMs = 100,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await sleep(everyMs);
  }
}
