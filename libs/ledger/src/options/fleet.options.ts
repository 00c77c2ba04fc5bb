/** The rollout engine's settings (`RatchetModuleOptions.fleets`). */
export interface FleetRolloutSettings {
  /** Run rollout steps on this instance (default true; every instance may). */
  readonly enabled?: boolean;
  /** How often each active fleet is looked at when nothing wakes it sooner. Default 250 ms. */
  readonly tickMs?: number;
  /** The most children one append creates. Default 500. */
  readonly maxBatch?: number;
  /** Children dispatched at once after a step. Default 16. */
  readonly dispatchConcurrency?: number;
}
