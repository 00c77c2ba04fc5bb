import { randomUUID } from 'node:crypto';
import pg from 'pg';

/** The server tests use: `DATABASE_URL` if set, else the local trust-auth cluster. */
export const postgresServerUrl = (): string =>
  process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Tests that need PostgreSQL skip without it, except under CI=true, where they fail. */
export const postgresRequired = (): boolean => process.env.CI === 'true';

const withClient = async <T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> => {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
};

export const isPostgresReachable = async (url = postgresServerUrl()): Promise<boolean> => {
  try {
    await withClient(url, (client) => client.query('SELECT 1'));
    return true;
  } catch {
    return false;
  }
};

export interface TestDatabase {
  readonly name: string;
  readonly url: string;
  drop(): Promise<void>;
}

/** A database of its own on the test server, named so that parallel runs never collide. */
export const createTestDatabase = async (label = 'test'): Promise<TestDatabase> => {
  const server = postgresServerUrl();
  const name =
    `ratchet_${label.replace(/[^a-z0-9]/gi, '_')}_${randomUUID().slice(0, 8)}`.toLowerCase();
  await withClient(server, (client) => client.query(`CREATE DATABASE "${name}"`));
  const url = new URL(server);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: async () => {
      // FORCE: a test that failed half-way may have left connections open.
      await withClient(server, (client) =>
        client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
      );
    },
  };
};
