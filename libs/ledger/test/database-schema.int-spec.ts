import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CommandBus, CqrsModule, QueryBus } from '@nestjs/cqrs';
import { Test } from '@nestjs/testing';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { createPostgresEventStore } from '@ratchet/event-store';
import {
  isPostgresReachable,
  postgresRequired,
  postgresServerUrl,
} from '@ratchet/event-store/testing';
import {
  GetCommandQuery,
  IssueCommand,
  RatchetModule,
  type RatchetModuleOptions,
} from '@ratchet/ledger';

const url = postgresServerUrl();
const withPostgres = (await isPostgresReachable(url)) || postgresRequired();

/** A database of its own for each case (the shared one has tables of other tests in public). */
const withDatabase = (name: string) => url!.replace(/\/[^/?]+(\?|$)/, `/${name}$1`);

(withPostgres ? describe : describe.skip)('DATABASE_SCHEMA on PostgreSQL', () => {
  const admin = new pg.Client({ connectionString: url });
  const made: string[] = [];
  const freshDatabase = async () => {
    const name = `ratchet_schema_${randomUUID().slice(0, 8)}`;
    await admin.query(`CREATE DATABASE ${name}`);
    made.push(name);
    return withDatabase(name);
  };
  const tablesIn = async (databaseUrl: string) => {
    const c = new pg.Client({ connectionString: databaseUrl });
    await c.connect();
    const rows = (
      await c.query<{ s: string; t: string }>(
        `SELECT table_schema AS s, table_name AS t FROM information_schema.tables
          WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2`,
      )
    ).rows;
    await c.end();
    return rows.map((r) => `${r.s}.${r.t}`);
  };
  const start = async (options: RatchetModuleOptions) => {
    const moduleRef = await Test.createTestingModule({
      imports: [CqrsModule.forRoot(), RatchetModule.forRoot(options)],
    }).compile();
    moduleRef.useLogger(false);
    return moduleRef.init();
  };

  beforeAll(() => admin.connect());
  afterAll(async () => {
    for (const name of made) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  });

  it("a new database: Ratchet's tables go into ratchet, beside a host table named events in public", async () => {
    const databaseUrl = await freshDatabase();
    const host = new pg.Client({ connectionString: databaseUrl });
    await host.connect();
    await host.query('CREATE TABLE public.events (id serial PRIMARY KEY, title text)');
    await host.end();
    const app = await start({ databaseUrl });
    const { command } = await app
      .get(CommandBus)
      .execute(new IssueCommand({ deviceId: 'pump-1', name: 'start' }));
    await app.close();
    const tables = await tablesIn(databaseUrl);
    expect(tables).toContain('public.events'); // the host's, untouched
    expect(tables).toContain('ratchet.event_store_migrations');
    expect(tables.filter((t) => t.startsWith('public.'))).toEqual(['public.events']);
    const again = await start({ databaseUrl });
    expect((await again.get(QueryBus).execute(new GetCommandQuery(command.commandId))).status).toBe(
      'requested',
    );
    await again.close();
  });

  it('a database from before version 2 (tables in public) keeps working where it is', async () => {
    const databaseUrl = await freshDatabase();
    const legacy = await createPostgresEventStore({ connectionString: databaseUrl });
    await legacy.close();
    const pool = new pg.Pool({ connectionString: databaseUrl });
    const old = await start({ pool });
    const { command } = await old
      .get(CommandBus)
      .execute(new IssueCommand({ deviceId: 'pump-2', name: 'start' }));
    await old.close();
    await pool.end();

    const app = await start({ databaseUrl });
    expect((await app.get(QueryBus).execute(new GetCommandQuery(command.commandId))).status).toBe(
      'requested',
    );
    await app.close();
    const tables = await tablesIn(databaseUrl);
    expect(tables.some((t) => t.startsWith('ratchet.'))).toBe(false);
  });

  it('a schema named explicitly is used as named, and a bad name is refused clearly', async () => {
    const databaseUrl = await freshDatabase();
    const app = await start({ databaseUrl, databaseSchema: 'ledger_a' });
    await app.close();
    expect(await tablesIn(databaseUrl)).toContain('ledger_a.event_store_migrations');
    await expect(start({ databaseUrl, databaseSchema: 'Bad-Name' })).rejects.toThrow(
      /DATABASE_SCHEMA must be/,
    );
  });
});
