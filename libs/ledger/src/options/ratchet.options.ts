import type { PGlite } from '@electric-sql/pglite';
import type { EventStore } from '@ratchet/event-store';
import type pg from 'pg';
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

export type StoreKind = 'postgres' | 'pglite' | 'eventstoredb';

/**
 * Connection settings, named as CONTRACT.md section 4's variables in camelCase. The module
 * opens what they name, and closes it on shutdown.
 */
export interface RatchetConnectionSettings {
  /** Default: `postgres` with `databaseUrl` or `pool`, `eventstoredb` with `eventstoreUrl`, else `pglite`. */
  readonly store?: StoreKind;
  /** PostgreSQL for the `postgres` store, and for the read models of `eventstoredb`. */
  readonly databaseUrl?: string;
  /** The PostgreSQL schema of Ratchet's tables; created when missing. Default `ratchet`. */
  readonly databaseSchema?: string;
  /** PGlite's files go to `<dataDir>/pglite`; without it (and without `pglite`) PGlite runs in memory. */
  readonly dataDir?: string;
  /** EventStoreDB / KurrentDB, e.g. `esdb://localhost:2113?tls=false`. */
  readonly eventstoreUrl?: string;
  /** The broker; without it (and without `mqtt` or `intentPublisher`) commands stay `requested`. */
  readonly mqttUrl?: string;
  readonly mqttUsername?: string;
  readonly mqttPassword?: string;
  /**
   * TLS for an `mqtts://` `mqttUrl`: the CA that signed the broker's certificate (default Node's
   * public CAs), and a client certificate and its key. Checked at start-up; the broker's
   * certificate is always verified. See docs/security.md.
   */
  readonly mqttCaFile?: string;
  readonly mqttCertFile?: string;
  readonly mqttKeyFile?: string;
  /** Connections in the pool the module opens (default 10). */
  readonly databasePoolSize?: number;
}

/** Ready-made objects, instead of settings; the host keeps owning them (the module never closes them). */
export interface RatchetReadyMade {
  /** A `pg.Pool` of the host's: the store and the read models use it (in `databaseSchema`... see docs/library.md). */
  readonly pool?: pg.Pool;
  /** A PGlite instance of the host's: events and read models go into it. */
  readonly pglite?: PGlite;
  /** An event store; the module closes it on shutdown only when `ownsStore` is true. */
  readonly eventStore?: EventStore;
  readonly ownsStore?: boolean;
}

export interface RatchetModuleOptions extends RatchetConnectionSettings, RatchetReadyMade {
  /** The broker in full (instead of `mqttUrl`…): intents out, acks and results in. */
  readonly mqtt?: RatchetMqttOptions;
  /** Another way to reach devices, instead of `mqtt`; with neither, commands stay `requested`. */
  readonly intentPublisher?: IntentPublisher;
  readonly defaults?: Partial<CommandDefaults>;
  /** Written into every event's metadata; defaults to host name and pid. */
  readonly instanceId?: string;
  /** Where the sweeper finds due deadlines (the read models); without one nothing is swept. */
  readonly deadlineIndex?: DeadlineIndex;
  /** The sweeper (timeouts, expiry, re-dispatch, retries): on by default; `false` turns it off. */
  readonly sweep?: SweepOptions | false;
  /**
   * The projections behind the list and device queries (and, unless `deadlineIndex` is given,
   * the sweeper's index). On by default, in the store's database (PGlite in memory, rebuilt
   * from the log at every start, when only an `eventStore` is given); `false` turns them off,
   * and then those queries throw `ReadModelsUnavailableError` and nothing times out. The
   * module starts their runners and stops them on shutdown.
   */
  readonly readModels?: ReadModelStore | false;
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
  /**
   * This application's durable feed of command events on its EventBus (`CommandExecuted`, …),
   * under this name: at least once, in log order, resumed after a restart from its checkpoint
   * (docs/library.md). Omitted: none is published.
   */
  readonly subscription?: string;
  /** The time source; tests pass their own. */
  readonly clock?: () => Date;
}

export const RATCHET_OPTIONS = Symbol.for('ratchet.Options');
export const INTENT_PUBLISHER = Symbol.for('ratchet.IntentPublisher');
