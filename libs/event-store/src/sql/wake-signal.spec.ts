import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { WakeSignal } from './wake-signal.js';

const PREFIXES = ['', 'command-', 'group-', 'fleet-'];
const STREAMS = ['command-1', 'group-a', 'fleet-x', 'device-9'];

/** Whether `wait` resolved before a timer of `ms` (the wait's own timeout is far longer). */
async function resolvesWithin(wait: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((r) => (timer = setTimeout(() => r(false), ms)));
  const result = await Promise.race([wait.then(() => true as const), late]);
  clearTimeout(timer);
  return result;
}

describe('WakeSignal', () => {
  it('wakes a poller exactly when an append touched its prefix, or its streams are unknown', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...PREFIXES),
        // Appends between the poller's read and its wait: known streams, or unknown (undefined).
        fc.array(fc.option(fc.subarray(STREAMS, { minLength: 1 }), { nil: undefined }), {
          maxLength: 4,
        }),
        // One more append while it waits, or none.
        fc.option(fc.option(fc.subarray(STREAMS, { minLength: 1 }), { nil: undefined })),
        async (prefix, before, during) => {
          const signal = new WakeSignal();
          const abort = new AbortController();
          const matches = (streams: readonly string[] | undefined) =>
            streams === undefined || streams.some((s) => s.startsWith(prefix));
          const since = signal.generation(prefix);
          for (const streams of before) signal.notify(streams);
          const wait = signal.wait(since, 60_000, abort.signal, prefix);
          if (during !== null) signal.notify(during);
          const expected = before.some(matches) || (during !== null && matches(during));
          expect(await resolvesWithin(wait, 20)).toBe(expected);
          abort.abort(); // ends a wait that is still pending
          await wait;
        },
      ),
      { numRuns: 60 },
    );
  });
});
