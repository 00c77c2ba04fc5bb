import { describe, expect, it } from '@jest/globals';
import type { RecordedEvent } from '@ratchet/event-store';
import type { CommandState } from '@ratchet/lifecycle';
import fc from 'fast-check';
import { foldRecordedEvent, isLifecycleEvent } from '../command-status/fold-recorded-event.js';
import { arbitraryStream, COMMAND_IDS } from '../../test/event-arbitraries.js';
import { foldInPlace, type MutableState, refusal } from './fold-in-place.js';

const recorded = (commandId: string, e: { revision: bigint; type: string; data: unknown }) =>
  ({ stream: `command-${commandId}`, ...e }) as unknown as RecordedEvent;

describe('foldInPlace', () => {
  it('gives the state, steps and reasons of foldRecordedEvent (evolve) on any stream', () => {
    fc.assert(
      fc.property(
        fc
          .constantFrom(...COMMAND_IDS)
          .chain((id) => arbitraryStream(id).map((s) => [id, s] as const)),
        ([commandId, stream]) => {
          let reference: CommandState | null = null;
          let fast: MutableState | null = null;
          // Like the runner, the rebuild folds only the events the projection handles.
          for (const e of stream.filter((x) => isLifecycleEvent(x as RecordedEvent))) {
            const event = recorded(commandId, e);
            const expected = foldRecordedEvent(reference, event);
            const before = fast ? { status: fast.status, revision: fast.revision } : null;
            const actual = foldInPlace(fast, event);
            expect(actual.step).toBe(expected.kind);
            if (expected.kind === 'refused') expect(refusal(before, event)).toBe(expected.reason);
            if (expected.kind === 'applied') reference = expected.state;
            fast = actual.state;
            expect(fast).toEqual(reference);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
