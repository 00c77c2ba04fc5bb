import { afterEach, describe, expect, it } from '@jest/globals';
import { Injectable, Module, type INestApplicationContext } from '@nestjs/common';
import { CommandBus, CqrsModule, EventBus, QueryBus } from '@nestjs/cqrs';
import { Test } from '@nestjs/testing';
import { randomUUID } from 'node:crypto';
import {
  GetCommandQuery,
  IssueCommand,
  RatchetModule,
  type RatchetModuleOptions,
  type RatchetOptionsFactory,
} from '@ratchet/ledger';
import { EVENT_STORE, type EventStore } from '@ratchet/event-store';
import {
  isPostgresReachable,
  postgresRequired,
  postgresServerUrl,
} from '@ratchet/event-store/testing';

const databaseUrl = postgresServerUrl();
const withPostgres = (await isPostgresReachable(databaseUrl)) || postgresRequired();

/** A host's configuration service, as `@nestjs/config`'s ConfigService is used. */
@Injectable()
class HostConfig {
  readonly values: Record<string, string> = { RATCHET_STORE: 'pglite' };
  getOrThrow(key: string): string {
    const value = this.values[key];
    if (value === undefined) throw new Error(`${key} missing`);
    return value;
  }
}
@Module({ providers: [HostConfig], exports: [HostConfig] })
class HostConfigModule {}

@Injectable()
class RatchetSettings implements RatchetOptionsFactory {
  constructor(private readonly config: HostConfig) {}
  createRatchetOptions(): RatchetModuleOptions {
    return {
      store: this.config.getOrThrow('RATCHET_STORE') as 'pglite',
      sweep: { intervalMs: 50 },
    };
  }
}

const eventually = async <T>(probe: () => Promise<T | undefined>, ms = 10_000): Promise<T> => {
  const until = Date.now() + ms;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error('not within time');
    await new Promise((r) => setTimeout(r, 50));
  }
};

describe('RatchetModule.forRoot / forRootAsync on the host application', () => {
  let app: INestApplicationContext | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  const start = async (imports: unknown[]) => {
    const moduleRef = await Test.createTestingModule({
      imports: imports as never[],
    }).compile();
    moduleRef.useLogger(false);
    app = await moduleRef.init();
    return app;
  };

  it('useClass with imports: settings only (pglite in memory), read models and sweeper on by default — a command that is never sent expires with nothing else configured', async () => {
    // The host's CqrsModule with options of its own: Ratchet must use this one instance.
    await start([
      CqrsModule.forRoot({ rethrowUnhandled: false }),
      RatchetModule.forRootAsync({ imports: [HostConfigModule], useClass: RatchetSettings }),
    ]);
    const bus = app!.get(CommandBus);
    const { command } = await bus.execute(
      new IssueCommand({ deviceId: 'pump-1', name: 'noop', expiresInMs: 200 }),
    );
    const expired = await eventually(async () => {
      const view = await app!.get(QueryBus).execute(new GetCommandQuery(command.commandId));
      return view.status === 'expired' ? view : undefined;
    });
    expect(expired.status).toBe('expired');
  });

  it('useExisting and useFactory with inject reach the same settings', async () => {
    await start([
      CqrsModule.forRoot(),
      RatchetModule.forRootAsync({
        imports: [HostConfigModule],
        inject: [HostConfig],
        useFactory: (config: HostConfig) => ({
          store: config.getOrThrow('RATCHET_STORE') as 'pglite',
        }),
      }),
    ]);
    expect(app!.get<EventStore>(EVENT_STORE)).toBeDefined();
    await app!.close();

    @Module({
      imports: [HostConfigModule],
      providers: [RatchetSettings],
      exports: [RatchetSettings],
    })
    class SettingsModule {}
    await start([
      CqrsModule.forRoot(),
      RatchetModule.forRootAsync({ imports: [SettingsModule], useExisting: RatchetSettings }),
    ]);
    const { created } = await app!
      .get(CommandBus)
      .execute(new IssueCommand({ deviceId: 'pump-2', name: 'noop' }));
    expect(created).toBe(true);
  });

  it('uses the host buses: exactly one CommandBus, QueryBus and EventBus in the application', async () => {
    await start([CqrsModule.forRoot(), RatchetModule.forRoot({ store: 'pglite' })]);
    const buses = [CommandBus, QueryBus, EventBus].map((bus) =>
      (app as unknown as { get: (t: unknown, o: object) => unknown[] }).get(bus, {
        each: true,
        strict: false,
      }),
    );
    for (const found of buses) expect(found).toHaveLength(1);
  });

  it('without CqrsModule.forRoot() in the host, creates no buses of its own', async () => {
    await expect(
      start([RatchetModule.forRoot({ store: 'pglite', readModels: false })]),
    ).rejects.toThrow(/(Command|Event|Query)Bus/);
  });

  (withPostgres ? it : it.skip)(
    'postgres from a URL and a schema name: the module opens (and at shutdown closes) its own pool',
    async () => {
      await start([
        CqrsModule.forRoot(),
        RatchetModule.forRoot({
          databaseUrl,
          databaseSchema: `ratchet_b_${randomUUID().slice(0, 8)}`,
        }),
      ]);
      const { command } = await app!
        .get(CommandBus)
        .execute(new IssueCommand({ deviceId: 'pump-3', name: 'noop' }));
      expect(command.status).toBe('requested');
    },
  );
});
