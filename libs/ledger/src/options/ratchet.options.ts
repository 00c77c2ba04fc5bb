import type { EventStore } from '@ratchet/event-store';
import type { ReadModelStore } from '@ratchet/read-models';
import type { IntentPublisher } from './intent-publisher.port.js';
import type { DeadlineIndex, SweepOptions } from './deadline-index.port.js';
import type { RatchetMqttOptions } from './mqtt.options.js';
import type { LiveEventsSettings } from './live-events.options.js';
import type { FleetRolloutSettings } from './fleet.options.js';

export interface CommandDefaults {
  readonly ackTimeoutMs: number;
  readonly timeoutMs: number;
  readonly expiresInMs: number;
}

export const DEFAULT_COMMAND_DEFAULTS: CommandDefaults = {
  ackTimeoutMs: 10_000,
  timeoutMs: 60_000,
  expiresInMs: 300_000,
};

export interface RatchetModuleOptions {
  /** The event store; the module closes it on shutdown when `ownsStore` is true. */
  readonly eventStore: EventStore;
  readonly ownsStore?: boolean;
  /** The broker: intents out, acks and results in. */
  readonly mqtt?: RatchetMqttOptions;
  /** Another way to reach devices, instead of `mqtt`; with neither, commands stay `requested`. */
  readonly intentPublisher?: IntentPublisher;
  readonly defaults?: Partial<CommandDefaults>;
  /** Written into every event's metadata; defaults to host name and pid. */
  readonly instanceId?: string;
  /** Where the sweeper finds due deadlines (the read models); without one nothing is swept. */
  readonly deadlineIndex?: DeadlineIndex;
  readonly sweep?: SweepOptions;
  /**
   * The projections behind the list and device queries (and, unless `deadlineIndex` is given,
   * the sweeper's index). The module starts their runners and stops them on shutdown; without
   * them those queries throw `ReadModelsUnavailableError`.
   */
  readonly readModels?: ReadModelStore;
  /** Close the read models on shutdown (after their runners stopped). */
  readonly ownsReadModels?: boolean;
  /**
   * The retained `…/state` topic, published from the log by a projection (needs `mqtt` and
   * `readModels`). Its message expiry (MQTT 5) is `retentionSeconds`, default one day.
   */
  readonly stateTopic?: { readonly retentionSeconds: number } | false;
  /** The live stream of transitions (`GET /events`): heartbeat, per-client queue, … */
  readonly liveEvents?: LiveEventsSettings;
  /** Fleet rollouts: tick, batch size, or `enabled: false` to leave them to other instances. */
  readonly fleets?: FleetRolloutSettings;
  /** The time source; tests pass their own. */
  readonly clock?: () => Date;
}

export const RATCHET_OPTIONS = Symbol.for('ratchet.Options');
export const INTENT_PUBLISHER = Symbol.for('ratchet.IntentPublisher');
