import { describe, expect, it } from '@jest/globals';
import type { RecordedEvent } from '@ratchet/event-store';
import { type CommandState, checkStream } from '@ratchet/lifecycle';
import fc from 'fast-check';
import { foldRecordedEvent, isLifecycleEvent } from '../command-status/fold-recorded-event.js';
import { arbitraryStream, COMMAND_IDS } from '../../test/event-arbitraries.js';
import { type LedgerViolation, StreamTally } from './stream-tally.js';

const streams = fc
  .constantFrom(...COMMAND_IDS)
  .chain((id) => arbitraryStream(id).map((stream) => [id, stream] as const));

describe('StreamTally', () => {
  it('finds what checkStream finds, event by event', () => {
    fc.assert(
      fc.property(streams, ([commandId, stream]) => {
        const found: LedgerViolation[] = [];
        const tally = new StreamTally();
        const flag = (...v: [string, bigint, LedgerViolation['kind'], string]) =>
          void found.push({ commandId: v[0], revision: v[1], kind: v[2], detail: v[3] });
        for (const event of stream) tally.check(commandId, event, flag);
        tally.finish(commandId, flag);
        const expected = checkStream(commandId, stream);
        expect(found).toEqual(expected.violations);
        expect(tally.status).toBe(expected.state?.status ?? null);
      }),
      { numRuns: 1000 },
    );
  });

  it("folds as the command_status projection does (foldRecordedEvent's status and revision)", () => {
    fc.assert(
      fc.property(streams, ([commandId, stream]) => {
        const tally = new StreamTally();
        let state: CommandState | null = null;
        for (const e of stream) {
          tally.project(e);
          const event = { stream: `command-${commandId}`, ...e } as unknown as RecordedEvent;
          if (!isLifecycleEvent(event)) continue;
          const step = foldRecordedEvent(state, event);
          if (step.kind === 'applied') state = step.state;
        }
        expect(tally.projected).toBe(state?.status ?? null);
        if (state) expect(tally.projectedRevision).toBe(state.revision);
      }),
      { numRuns: 1000 },
    );
  });
});
