import { describe, expect, it } from '@jest/globals';
import {
  currentCommandContext,
  enableCommandLogContext,
  enrichCommandContext,
  runWithCommand,
} from './log-context.js';

describe('command log context', () => {
  it('is off until a reader enables it: the work runs, nothing is kept', async () => {
    const r = await runWithCommand({ commandId: 'c-1' }, async () => {
      enrichCommandContext({ deviceId: 'pump-1' });
      return currentCommandContext();
    });
    expect(r).toBeUndefined();
  });

  it('once enabled, carries the fields across awaits and timers, and mutates on enrich', async () => {
    enableCommandLogContext();
    const seen = await runWithCommand({ commandId: 'c-1', correlationId: 'r-1' }, async () => {
      await new Promise((r) => setTimeout(r, 1));
      enrichCommandContext({ deviceId: 'pump-1', correlationId: undefined });
      return new Promise((r) => setImmediate(() => r({ ...currentCommandContext() })));
    });
    expect(seen).toEqual({ commandId: 'c-1', correlationId: 'r-1', deviceId: 'pump-1' });
    expect(currentCommandContext()).toBeUndefined();
  });
});
