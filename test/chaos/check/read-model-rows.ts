/** The command_status read model as stored, one row per command. */
import pg from 'pg';

export interface CommandStatusRow {
  readonly commandId: string;
  readonly status: string;
  readonly revision: bigint;
  readonly retriedBy: string | null;
  readonly state: unknown;
}

export async function readCommandStatus(url: string): Promise<Map<string, CommandStatusRow>> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    const { rows } = await client.query<{
      command_id: string;
      status: string;
      revision: string;
      retried_by: string | null;
      state: unknown;
    }>(
      'SELECT command_id, status, revision::text AS revision, retried_by, state FROM command_status',
    );
    return new Map(
      rows.map((r) => [
        r.command_id,
        {
          commandId: r.command_id,
          status: r.status,
          revision: BigInt(r.revision),
          retriedBy: r.retried_by,
          state: r.state,
        },
      ]),
    );
  } finally {
    await client.end();
  }
}
