import { describe, expect, it } from '@jest/globals';
import type { CliIo } from './io.js';
import { Progress } from './progress.js';

const io = (tty: boolean) => {
  let now = 0;
  const written: string[] = [];
  const fake: CliIo = {
    out: () => undefined,
    err: (line) => void written.push(`${line}\n`),
    errRaw: (text) => void written.push(text),
    errIsTTY: tty,
    env: {},
    now: () => now,
  };
  return { fake, written, advance: (ms: number) => (now += ms) };
};

describe('Progress', () => {
  it('draws a bar with events/s and ETA in place on a terminal', () => {
    const { fake, written, advance } = io(true);
    const progress = new Progress(fake, 'rebuild command_status', 1_000_000);
    advance(5000);
    progress.update(250_000, 'reading the log');
    expect(written.at(-1)).toBe(
      '\r\x1b[Krebuild command_status [########......................] 25% ' +
        '250,000/1,000,000 events  50,000 events/s  ETA 15.0 s  reading the log',
    );
    advance(50);
    progress.update(260_000);
    expect(written).toHaveLength(1); // at most ten redraws a second
    progress.done();
    expect(written.at(-1)).toBe('\r\x1b[K');
  });

  it('writes a plain line every 2 s elsewhere, and no ETA without a total', () => {
    const { fake, written, advance } = io(false);
    const progress = new Progress(fake, 'verify', null);
    advance(2000);
    progress.update(100_000);
    advance(1000);
    progress.update(150_000);
    advance(1000);
    progress.update(200_000);
    expect(written).toEqual([
      'verify: 100,000 events, 50,000 events/s\n',
      'verify: 200,000 events, 50,000 events/s\n',
    ]);
  });
});
