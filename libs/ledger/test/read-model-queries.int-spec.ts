import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplicationContext } from '@nestjs/common';
import { CommandBus, QueryBus, CqrsModule } from '@nestjs/cqrs';
import { Test } from '@nestjs/testing';
import { createPgliteEventStore, type EventStore } from '@ratchet/event-store';
import {
  GetCommandQuery,
  GetDeviceSummaryQuery,
  IssueCommand,
  LedgerError,
  ListCommandsQuery,
  RatchetModule,
  ReadModelsUnavailableError,
} from '@ratchet/ledger';
import { createPgliteReadModelStore, type ReadModelStore } from '@ratchet/read-models';

const T0 = Date.parse('2026-03-01T12:00:00.000Z');

const eventually = async <T>(check: () => Promise<T>, timeoutMs = 10_000): Promise<T> => {
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

describe('list and device queries on the QueryBus, over a real PGlite', () => {
  let pglite: PGlite;
  let eventStore: EventStore;
  let readModels: ReadModelStore;
  let app: INestApplicationContext;
  let queries: QueryBus;
  let now = T0;
  let closed = false;

  beforeAll(async () => {
    // One instance for both, as the service does with a data directory.
    pglite = await PGlite.create();
    eventStore = await createPgliteEventStore({ pglite, pollIntervalMs: 20 });
    readModels = await createPgliteReadModelStore({ pglite, eventStore });
    const moduleRef = await Test.createTestingModule({
      imports: [
        CqrsModule.forRoot(),
        RatchetModule.forRoot({
          eventStore,
          readModels,
          ownsReadModels: true,
          clock: () => new Date(now),
        }),
      ],
    }).compile();
    app = await moduleRef.init();
    queries = app.get(QueryBus);
    const commands = app.get(CommandBus);
    for (let i = 0; i < 5; i += 1) {
      now = T0 + i * 1000;
      await commands.execute(
        new IssueCommand({ deviceId: 'qpump-1', name: 'set-speed', payload: { i } }),
      );
    }
  });

  afterAll(async () => {
    if (!closed) await app?.close();
    await eventStore?.close();
    await pglite?.close();
  });

  it('lists newest first, in pages, with the same view as GetCommandQuery', async () => {
    const first = await eventually(async () => {
      const page = await queries.execute(new ListCommandsQuery({ deviceId: 'qpump-1', limit: 3 }));
      expect(page.items).toHaveLength(3);
      expect(page.next).not.toBeNull();
      // Until the projection has applied all five, the newest is an older one.
      expect(page.items[0]!.payload).toEqual({ i: 4 });
      return page;
    });
    expect(first.items.map((c) => c.payload)).toEqual([{ i: 4 }, { i: 3 }, { i: 2 }]);
    const rest = await queries.execute(
      new ListCommandsQuery({ deviceId: 'qpump-1', limit: 3, after: first.next }),
    );
    expect(rest.items.map((c) => c.payload)).toEqual([{ i: 1 }, { i: 0 }]);
    expect(rest.next).toBeNull();
    const one = first.items[0]!;
    expect(await queries.execute(new GetCommandQuery(one.commandId))).toEqual(one);
  });

  it('refuses bad criteria with every problem named', async () => {
    const bad = new ListCommandsQuery({
      deviceId: '-bad',
      status: 'lost' as never,
      limit: 501,
      after: 'nope',
    });
    const error = await queries.execute(bad).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LedgerError);
    expect((error as LedgerError).code).toBe('invalid_request');
    expect((error as LedgerError).messages).toHaveLength(4);
  });

  it('summarises a device, and does not know one never seen', async () => {
    const summary = await eventually(async () => {
      const s = await queries.execute(new GetDeviceSummaryQuery('qpump-1'));
      expect(s.total).toBe(5);
      return s;
    });
    expect(summary.byStatus.requested).toBe(5);
    expect(summary.lastCommand?.requestedAt).toBe(new Date(T0 + 4000).toISOString());
    await expect(queries.execute(new GetDeviceSummaryQuery('qpump-none'))).rejects.toMatchObject({
      code: 'not_found',
    });
  });

  it('runs the projections with the module and stops them with it', async () => {
    // Every projection the module runs (command_status, device_summary, group_members).
    const states = () => readModels.status().map((s) => s.state);
    expect(states().length).toBeGreaterThanOrEqual(2);
    expect(states()).toEqual(states().map(() => 'live'));
    await app.close();
    expect(states()).toEqual(states().map(() => 'stopped'));
    closed = true;
  });
});

describe('list and device queries without read models', () => {
  it('say clearly what is missing', async () => {
    const eventStore = await createPgliteEventStore({ memory: true });
    const moduleRef = await Test.createTestingModule({
      imports: [
        CqrsModule.forRoot(),
        RatchetModule.forRoot({ eventStore, ownsStore: true, readModels: false }),
      ],
    }).compile();
    const app = await moduleRef.init();
    try {
      const queries = app.get(QueryBus);
      await expect(queries.execute(new ListCommandsQuery())).rejects.toThrow(
        ReadModelsUnavailableError,
      );
      await expect(queries.execute(new GetDeviceSummaryQuery('pump-1'))).rejects.toThrow(
        'pass `readModels`',
      );
    } finally {
      await app.close();
    }
  });
});
