/**
 * The run's world: its own PostgreSQL cluster, its own Mosquitto, N ledger instances sharing
 * one MQTT group with distinct instance ids. Everything is registered for clean-up as it starts.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { LEDGER_TIMINGS } from '../chaos-options.js';
import { register } from './cleanup.js';
import { freePort } from './free-port.js';
import { LEDGER_MAIN, LedgerInstance } from './ledger-instance.js';
import { createPrivateMosquitto, type PrivateMosquitto } from './private-mosquitto.js';
import { createPrivatePostgres, type PrivatePostgres } from './private-postgres.js';
import { createRunDir, type RunDir } from './run-dir.js';

export interface Environment {
  readonly runDir: RunDir;
  readonly database: PrivatePostgres;
  readonly broker: PrivateMosquitto;
  readonly instances: readonly LedgerInstance[];
  /** The files worth keeping when a run fails. */
  readonly logFiles: readonly string[];
}

export interface EnvironmentOptions {
  readonly instances: number;
  readonly keep: boolean;
  /** A new LEDGER_INSTANCE_ID (hence MQTT client ids) per restart, instead of one per slot. */
  readonly idPerIncarnation: boolean;
  readonly say: (line: string) => void;
}

export async function startEnvironment(o: EnvironmentOptions): Promise<Environment> {
  const { instances, keep, say } = o;
  if (!existsSync(LEDGER_MAIN))
    throw new Error(`${LEDGER_MAIN} is missing: build first (npm run build)`);
  const runDir = await createRunDir(keep);
  register({
    name: `run directory ${runDir.path}`,
    stop: () => runDir.remove(),
    stopSync: () => undefined,
  });
  const onChild = (program: string) => (pid: number) => runDir.recordChild(pid, program);

  const database = await createPrivatePostgres(runDir.path);
  await database.start();
  register(database);
  say(`chaos: PostgreSQL on port ${database.port} (cluster in ${runDir.path}/pg)`);

  const broker = await createPrivateMosquitto(runDir.path, onChild('mosquitto'));
  await broker.start();
  register(broker);
  say(`chaos: Mosquitto on port ${broker.port}`);

  const env = {
    LEDGER_STORE: 'postgres',
    DATABASE_URL: database.url,
    MQTT_URL: broker.url,
    MQTT_SHARED_GROUP: 'chaos',
    LOG_FORMAT: 'json',
    LOG_LEVEL: 'log',
    LEDGER_STATE_RETENTION_SECONDS: '600',
    ...LEDGER_TIMINGS,
  };
  const slots: LedgerInstance[] = [];
  for (let i = 1; i <= instances; i++) {
    const slot = new LedgerInstance(
      i,
      `chaos-${i}`,
      await freePort(),
      join(runDir.path, `instance-${i}.log`),
      { ...env, LEDGER_DATA_DIR: join(runDir.path, `data-${i}`) },
      onChild(LEDGER_MAIN),
      o.idPerIncarnation,
    );
    register({ name: slot.instanceId, stop: () => slot.stop(), stopSync: () => slot.stopSync() });
    slots.push(slot);
  }
  // Together: the migrations take an advisory lock, so instances starting at once wait in turn.
  await Promise.all(slots.map((s) => s.start(60_000)));
  say(
    `chaos: ${instances} ledger instances up: ${slots.map((s) => `${s.instanceId} ${s.url}`).join(', ')}`,
  );
  return {
    runDir,
    database,
    broker,
    instances: slots,
    logFiles: [...slots.map((s) => s.logPath), broker.logPath, database.logPath],
  };
}
