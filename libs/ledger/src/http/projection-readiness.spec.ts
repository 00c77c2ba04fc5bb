import { describe, expect, it } from '@jest/globals';
import type { ProjectionStatus, ReadModelStore } from '@ratchet/read-models';
import { checkProjections } from './projection-readiness.js';

const status = (name: string, over: Partial<ProjectionStatus> = {}): ProjectionStatus => ({
  name,
  version: 1,
  state: 'live',
  position: null,
  failure: null,
  appliedEvents: 0,
  conflicts: 0,
  skippedEvents: 0,
  ...over,
});

const readModels = (statuses: ProjectionStatus[]) =>
  ({
    status: () => statuses,
    lag: async () => statuses.map((s) => ({ name: s.name, events: 1000, capped: true, ms: 5000 })),
  }) as unknown as ReadModelStore;

describe('projection readiness', () => {
  it('is up while every runner runs, however far behind, and reports the lag', async () => {
    await expect(
      checkProjections(readModels([status('a'), status('b', { state: 'catching_up' })])),
    ).resolves.toEqual({
      lag: {
        a: { events: 1000, capped: true, ms: 5000 },
        b: { events: 1000, capped: true, ms: 5000 },
      },
    });
  });

  it('is down, naming the projection, its error and its lag, when a runner failed or stopped', async () => {
    const check = checkProjections(
      readModels([
        status('a', { failure: 'connection refused' }),
        status('b', { state: 'stopped' }),
      ]),
    );
    await expect(check).rejects.toThrow(
      'a failed: connection refused (>=1000 events, 5000 ms behind); b stopped (>=1000 events, 5000 ms behind)',
    );
  });
});
