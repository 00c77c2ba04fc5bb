/**
 * Ledger instances for the group and fleet tests: RatchetModule on a real store with its read
 * models running, one instance on PGlite (the embedded default) or several on one PostgreSQL
 * database, each with its own pool, store object and projection runners, as separate processes
 * would have. No broker: an intent publisher that records what it is asked to publish.
 */
import { PGlite } from '@electric-sql/pglite';
import type { INestApplicationContext } from '@nestjs/common';
import { CommandBus, QueryBus, CqrsModule } from '@nestjs/cqrs';
import { Test } from '@nestjs/testing';
import {
  createPgliteEventStore,
  createPostgresEventStore,
  type EventStore,
  PgliteDriver,
  PostgresDriver,
  type RecordedEvent,
  type SqlDriver,
} from '@ratchet/event-store';
import {
  createTestDatabase,
  isPostgresReachable,
  postgresRequired,
  postgresServerUrl,
} from '@ratchet/event-store/testing';
import {
  type IntentPublisher,
  RatchetModule,
  type RatchetModuleOptions,
  RecordCommandResult,
} from '@ratchet/ledger';
import {
  createPgliteReadModelStore,
  createPostgresReadModelStore,
  type ReadModelStore,
} from '@ratchet/read-models';
import type { CommandState } from '@ratchet/lifecycle';
import pg from 'pg';

export interface LedgerInstance {
  readonly app: INestApplicationContext;
  readonly bus: CommandBus;
  readonly queries: QueryBus;
  readonly eventStore: EventStore;
  readonly readModels: ReadModelStore;
  /** Intents this instance was asked to publish, in order. */
  readonly published: CommandState[];
}

export interface LedgerCluster {
  readonly instances: readonly LedgerInstance[];
  /** A store on the same log, for reading in assertions. */
  readonly eventStore: EventStore;
  /** The database of the read models, for operator tools and direct SQL in assertions. */
  readonly driver: SqlDriver;
  close(): Promise<void>;
}

export type ExtraOptions = Partial<Omit<RatchetModuleOptions, 'eventStore' | 'readModels'>> & {
  /**
   * Simulated devices: what the device does with an intent. `hold` never lets the publish
   * finish (the command stays requested), `silent` takes it and never answers.
   */
  readonly device?: (state: CommandState) => 'executed' | 'failed' | 'silent' | 'hold';
  /** The device's answer delay, ms (default 0 to 20). */
  readonly deviceDelayMs?: () => number;
  /** The store the ledger is given, around the real one (the read models keep the real one). */
  readonly wrapStore?: (store: EventStore) => EventStore;
};

const simulatedPublisher = (
  published: CommandState[],
  extra: ExtraOptions,
  bus: () => CommandBus,
): IntentPublisher => ({
  publishIntent: async (state) => {
    const act = extra.device?.(state) ?? 'silent';
    if (act === 'hold') return new Promise<void>(() => undefined);
    published.push(state);
    if (act === 'silent') return;
    const delay = extra.deviceDelayMs?.() ?? Math.random() * 20;
    setTimeout(() => {
      bus()
        .execute(new RecordCommandResult(state.commandId, state.deviceId, act))
        .catch(() => undefined);
    }, delay);
  },
});

const startInstance = async (
  eventStore: EventStore,
  readModels: ReadModelStore,
  extra: ExtraOptions,
  index: number,
): Promise<LedgerInstance> => {
  const published: CommandState[] = [];
  let bus: CommandBus | null = null;
  const { device: _device, deviceDelayMs: _delay, wrapStore, ...options } = extra;
  const moduleRef = await Test.createTestingModule({
    imports: [
      CqrsModule.forRoot(),
      RatchetModule.forRoot({
        eventStore: wrapStore ? wrapStore(eventStore) : eventStore,
        readModels,
        ownsReadModels: true,
        instanceId: `test-${index}`,
        intentPublisher: simulatedPublisher(published, extra, () => bus as CommandBus),
        ...options,
      }),
    ],
  }).compile();
  const app = await moduleRef.init();
  bus = app.get(CommandBus);
  return {
    app,
    bus: app.get(CommandBus),
    queries: app.get(QueryBus),
    eventStore,
    readModels,
    published,
  };
};

export const startPgliteLedger = async (extra: ExtraOptions = {}): Promise<LedgerCluster> => {
  const pglite = await PGlite.create();
  const eventStore = await createPgliteEventStore({ pglite, pollIntervalMs: 20 });
  const readModels = await createPgliteReadModelStore({ pglite, eventStore });
  const instance = await startInstance(eventStore, readModels, extra, 0);
  return {
    instances: [instance],
    eventStore,
    driver: new PgliteDriver(pglite, false),
    close: async () => {
      await instance.app.close();
      await eventStore.close();
      await pglite.close();
    },
  };
};

export const startPostgresLedgers = async (
  count: number,
  extra: ExtraOptions = {},
): Promise<LedgerCluster> => {
  const database = await createTestDatabase('ledger');
  const pools: pg.Pool[] = [];
  const stores: EventStore[] = [];
  const instances: LedgerInstance[] = [];
  const open = async () => {
    const pool = new pg.Pool({ connectionString: database.url, max: 6 });
    pool.on('error', () => undefined);
    pools.push(pool);
    const store = await createPostgresEventStore({ pool, pollIntervalMs: 20 });
    stores.push(store);
    return store;
  };
  for (let i = 0; i < count; i += 1) {
    const eventStore = await open();
    const readModels = await createPostgresReadModelStore({
      connectionString: database.url,
      poolSize: 3,
      eventStore,
    });
    instances.push(await startInstance(eventStore, readModels, extra, i));
  }
  const reader = await open();
  return {
    instances,
    eventStore: reader,
    driver: new PostgresDriver(pools[pools.length - 1]!, false),
    close: async () => {
      for (const i of instances) await i.app.close();
      for (const s of stores) await s.close();
      for (const p of pools) await p.end();
      await database.drop();
    },
  };
};

const server = postgresServerUrl();
/** PostgreSQL answers (or CI=true, where its absence must fail rather than skip). */
export const postgresAvailable = async (): Promise<boolean> =>
  (await isPostgresReachable(server)) || postgresRequired();

export const eventually = async <T>(check: () => Promise<T>, timeoutMs = 10_000): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
};

/**
 * The whole log of the cluster's store, at least up to now: `readAll` alone stops below any
 * older transaction still open on the server (other suites share it).
 */
export const readWholeLog = async (cluster: LedgerCluster): Promise<RecordedEvent[]> => {
  await cluster.eventStore.settled();
  const out: RecordedEvent[] = [];
  for (;;) {
    const page = await cluster.eventStore.readAll({
      after: out.at(-1)?.position ?? null,
      limit: 5000,
    });
    if (page.length === 0) return out;
    out.push(...page);
  }
};
