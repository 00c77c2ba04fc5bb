/**
 * A projection process for test/projection-kill.e2e-spec.ts, to be killed with SIGKILL in the
 * middle of a batch. Plain JavaScript over the built packages (test/ is not compiled, and Node 20
 * cannot run TypeScript): `npm test` builds them before Jest starts.
 *
 *   node test/support/projection-kill-child.mjs '<config as JSON>'
 *
 * config: { backend: 'postgres' | 'pglite', url?, dataDir?, batchSize,
 *           hang: { projection, batch } | null }
 *
 * Runs the real `command_status` and `device_summary` projections, one after the other, each
 * wrapped so that every batch also records the positions it applied in `kill_test_applied`
 * (no key: an event applied twice shows up as two rows). When `hang` names a projection, its
 * `batch`-th batch in this process writes its rows, its markers and ~6 MB of WAL
 * (`kill_test_spill`), prints `HANG {…}` and waits, the transaction open, for the parent's
 * kill -9. Prints `DONE {…}` when both projections reached the head of the log.
 *
 * Before it runs, and after `DONE`, it prints `STATE {…}`: the read models as it finds them
 * (checkpoints, rows, markers). Opening the database is what costs (PGlite: ~2 s of CPU), so
 * the state a killed child left is read by the next child, on the same opening that runs its
 * crash recovery, rather than by the test opening it once more.
 */
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  createPgliteEventStore,
  createPostgresEventStore,
  PgliteDriver,
  PostgresDriver,
} from '@ratchet/event-store';
import { STATUSES } from '@ratchet/lifecycle';
import {
  commandStatusProjection,
  deviceSummaryProjection,
  migrateReadModels,
  ProjectionRunner,
} from '@ratchet/read-models';

const config = JSON.parse(process.argv[2] ?? '{}');

const MARK = {
  name: 'kill_test_mark',
  text: `INSERT INTO kill_test_applied (projection, position)
         SELECT $1, p FROM jsonb_array_elements_text($2::jsonb) AS p`,
};
/** Enough WAL to overflow its buffers: the uncommitted batch reaches the disk before the kill. */
const SPILL = `INSERT INTO kill_test_spill (n, pad)
               SELECT g, repeat(md5(g::text), 8) FROM generate_series(1, 25000) AS g`;

const wrap = (projection) => {
  let batches = 0;
  return {
    ...projection,
    async apply(tx, events, context) {
      await projection.apply(tx, events, context);
      await tx.query(MARK, [projection.name, JSON.stringify(events.map((e) => e.position))]);
      batches += 1;
      const { hang } = config;
      if (hang && hang.projection === projection.name && hang.batch === batches) {
        await tx.exec(SPILL);
        const first = events[0].position;
        const last = events.at(-1).position;
        process.stdout.write(
          `HANG ${JSON.stringify({ projection: projection.name, batch: batches, first, last })}\n`,
        );
        // The parent kills us long before; should it not, die with the transaction still open.
        await sleep(60_000);
        process.exit(3);
      }
    },
  };
};

const open = async () => {
  if (config.backend === 'postgres') {
    const pool = new pg.Pool({ connectionString: config.url, max: 3 });
    const eventStore = await createPostgresEventStore({ pool, migrate: false });
    const driver = new PostgresDriver(pool, false);
    return { eventStore, driver, close: () => pool.end() };
  }
  const pglite = await PGlite.create(config.dataDir);
  const eventStore = await createPgliteEventStore({ pglite, migrate: false });
  return { eventStore, driver: new PgliteDriver(pglite, false), close: () => pglite.close() };
};

const q = (name, text) => ({ name: `kill_test_${name}`, text });
const STATE = {
  checkpoints: q('checkpoints', 'SELECT name, position FROM projection_checkpoints'),
  commands: q(
    'commands',
    'SELECT command_id, status, revision::text AS revision FROM command_status',
  ),
  devices: q(
    'devices',
    `SELECT device_id, ${STATUSES.map((s) => `${s}::int AS ${s}`).join(', ')}
       FROM device_summary`,
  ),
  tracked: q(
    'tracked',
    'SELECT command_id, device_id, status, revision::text AS revision FROM device_summary_commands',
  ),
  marks: q(
    'marks',
    `SELECT projection, count(*)::int AS total, count(DISTINCT position)::int AS distinct,
            max(position) AS last
       FROM kill_test_applied GROUP BY projection`,
  ),
  spilled: q('spilled', 'SELECT count(*)::int AS n FROM kill_test_spill'),
};

/** What the read models hold, as the test's oracle (projection-kill-log.ts) describes it. */
const snapshot = async (db) => {
  const rows = async (key) => db.query(STATE[key], []);
  const by = (list, key, value) => Object.fromEntries(list.map((r) => [r[key], value(r)]));
  return {
    checkpoints: by(await rows('checkpoints'), 'name', (r) => r.position),
    commands: by(await rows('commands'), 'command_id', (r) => ({
      status: r.status,
      revision: r.revision,
    })),
    devices: by(await rows('devices'), 'device_id', ({ device_id: _, ...counts }) => counts),
    tracked: by(await rows('tracked'), 'command_id', (r) => ({
      deviceId: r.device_id,
      status: r.status,
      revision: r.revision,
    })),
    marks: by(await rows('marks'), 'projection', ({ projection: _, ...m }) => m),
    spilled: (await rows('spilled'))[0].n,
  };
};

const { eventStore, driver, close } = await open();
await migrateReadModels(driver);
// What the last process (killed, or the seeding test) left, as this one found it on opening.
process.stdout.write(`STATE ${JSON.stringify(await snapshot(driver))}\n`);
const applied = {};
for (const projection of [commandStatusProjection, deviceSummaryProjection]) {
  const runner = new ProjectionRunner(wrap(projection), driver, eventStore, {
    batchSize: config.batchSize,
  });
  applied[projection.name] = await runner.catchUp();
}
process.stdout.write(`DONE ${JSON.stringify(applied)}\n`);
process.stdout.write(`STATE ${JSON.stringify(await snapshot(driver))}\n`);
await eventStore.close();
await close();
