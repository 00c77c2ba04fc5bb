import type { Position } from '@ratchet/event-store';

/** `catching_up`: reading the log in batches; `live`: following the subscription. */
export type RunnerState = 'idle' | 'catching_up' | 'live' | 'stopped';

/** What a runner reports for health and metrics; counts are this process's own. */
export interface ProjectionStatus {
  readonly name: string;
  readonly version: number;
  readonly state: RunnerState;
  /** The last checkpoint this runner saw or wrote. */
  readonly position: Position | null;
  /** Set when the last attempt failed; cleared by the next batch that commits. */
  readonly failure: string | null;
  readonly appliedEvents: number;
  /** Batches another runner had already applied (compare-and-set lost). */
  readonly conflicts: number;
  /** Events the projection could not fold (corrupt streams), skipped and logged. */
  readonly skippedEvents: number;
}

export class ProjectionVersionError extends Error {
  override readonly name = 'ProjectionVersionError';
  constructor(projection: string, found: number | null, own: number) {
    super(
      found === null
        ? `projection ${projection} has no checkpoint (was it deleted?)`
        : `projection ${projection} is at version ${found} in the database, this code is version ${own}`,
    );
  }
}

export const sleep = (ms: number, abort: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (abort.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      abort.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    abort.addEventListener('abort', done, { once: true });
  });
