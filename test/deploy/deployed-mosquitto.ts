/**
 * Runs the Mosquitto that docker-compose.yml would run: the configuration, password and ACL
 * files it mounts, found through the compose file itself (so the test cannot drift onto
 * another file), with only the rewrites of mosquitto-conf.ts. The certificates directory, which
 * ships empty, is filled by the very script the README tells operators to run
 * (apps/broker/make-demo-certs.sh, with its defaults). Stopped by its PID.
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmod, copyFile, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { brokerAnswers, freePort, waitForAsync } from '@ratchet/mqtt/testing';
import { REPO_ROOT, bindMounts, type ComposeFile, type ComposeService } from './compose-file.js';
import { parseMosquittoConf, rewriteForTest } from './mosquitto-conf.js';

/** The script that makes the demo CA, server and device certificates. */
export const DEMO_CERTS_SCRIPT = 'apps/broker/make-demo-certs.sh';

/** Where the eclipse-mosquitto image reads its configuration (its default command). */
export const IMAGE_CONF_PATH = '/mosquitto/config/mosquitto.conf';

/** The mosquitto service's files, as repository paths, keyed by the path the container sees. */
export function mosquittoFiles(compose: ComposeFile): Map<string, string> {
  const service = compose.services['mosquitto'];
  if (!service) throw new Error('docker-compose.yml has no "mosquitto" service');
  return new Map(bindMounts(service).map((m) => [m.target, m.source]));
}

/** Whether to run; under CI=true a missing binary is a failure, never a skip. */
export function requireMosquittoBinary(binary = 'mosquitto'): boolean {
  const probe = spawnSync(binary, ['-h'], { stdio: 'ignore' });
  if (!probe.error) return true;
  const message = `${binary} is not installed (${probe.error.message}; apt-get install mosquitto)`;
  if (process.env['CI'] === 'true')
    throw new Error(`${message}; CI=true, so this is a failure, not a skip`);
  process.stderr.write(`SKIPPING tests of the shipped Mosquitto files: ${message}\n`);
  return false;
}

/**
 * The host path behind `containerPath` in `service`: a file under one of the mounted
 * directories `dirs` maps (repository directory → where the test made its contents).
 */
export function hostPathIn(
  dirs: ReadonlyMap<string, string>,
  service: ComposeService,
  containerPath: string,
): string {
  for (const m of bindMounts(service)) {
    const copy = dirs.get(m.source);
    if (copy && containerPath.startsWith(`${m.target}/`))
      return join(copy, containerPath.slice(m.target.length + 1));
  }
  throw new Error(`no mounted certificates directory holds ${containerPath}`);
}

/** Runs the demo certificates script into `dir` (its defaults, as the README says). */
export function makeDemoCerts(dir: string): void {
  execFileSync(join(REPO_ROOT, DEMO_CERTS_SCRIPT), [], {
    env: { ...process.env, CERTS_DIR: dir },
    stdio: 'ignore',
  });
}

/** The TLS environment variables of a ledger replica, pointed at the test's files. */
export function hostLedgerEnv(
  env: Readonly<Record<string, string>>,
  hostPath: (containerPath: string) => string,
): Record<string, string> {
  const out = { ...env };
  for (const name of ['MQTT_CA_FILE', 'MQTT_CERT_FILE', 'MQTT_KEY_FILE'])
    if (out[name]) out[name] = hostPath(out[name]);
  return out;
}

export interface DeployedMosquitto {
  /**
   * `mqtt://127.0.0.1:<test port>` of the listener shipped on `shippedPort` (1884), or
   * `mqtts://` for a TLS listener (8883).
   */
  url(shippedPort: number): string;
  /** Where the demo certificates were made (what compose mounts from apps/broker/certs). */
  readonly certsDir: string;
  /** The host path behind `containerPath` in `service` (a file under a mounted directory). */
  hostPath(service: ComposeService, containerPath: string): string;
  /** What the broker printed (its configuration logs to stdout). */
  output(): string;
  stop(): Promise<void>;
}

export async function startDeployedMosquitto(compose: ComposeFile): Promise<DeployedMosquitto> {
  const files = mosquittoFiles(compose);
  const confSource = files.get(IMAGE_CONF_PATH);
  if (!confSource) throw new Error(`compose mounts nothing at ${IMAGE_CONF_PATH}`);
  const shipped = await readFile(join(REPO_ROOT, confSource), 'utf8');
  const dir = await mkdtemp(join(tmpdir(), 'ratchet-deployed-mosquitto-'));
  // Started as root, Mosquitto drops to the `mosquitto` user before it reads the password and
  // ACL files: they must be readable by it, as they are in the container.
  await chmod(dir, 0o755);
  const copies = new Map<string, string>();
  /** Repository directories compose mounts → the test's copies (the certificates, made here). */
  const dirs = new Map<string, string>();
  for (const [target, source] of files) {
    if (target === IMAGE_CONF_PATH) continue;
    const copy = join(dir, basename(target));
    if ((await stat(join(REPO_ROOT, source))).isDirectory()) {
      makeDemoCerts(copy);
      dirs.set(source, copy);
    } else {
      await copyFile(join(REPO_ROOT, source), copy);
      await chmod(copy, 0o644);
    }
    copies.set(target, copy);
  }
  const ports = new Map<number, number>();
  const tlsPorts = new Set<number>();
  for (const l of parseMosquittoConf(shipped).listeners) {
    ports.set(l.port, await freePort());
    if (l.options.has('certfile')) tlsPorts.add(l.port);
  }
  const conf = join(dir, 'mosquitto.conf');
  await writeFile(conf, rewriteForTest(shipped, { ports, files: copies }), { mode: 0o644 });

  let output = '';
  const child: ChildProcess = spawn('mosquitto', ['-c', conf], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((r) => {
    child.once('exit', () => r());
    child.once('error', () => r());
  });
  const url = (shippedPort: number): string => {
    const port = ports.get(shippedPort);
    if (port === undefined) throw new Error(`mosquitto.conf has no listener ${shippedPort}`);
    return `${tlsPorts.has(shippedPort) ? 'mqtts' : 'mqtt'}://127.0.0.1:${port}`;
  };
  const hostPath: DeployedMosquitto['hostPath'] = (service, containerPath) =>
    hostPathIn(dirs, service, containerPath);
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    await rm(dir, { recursive: true, force: true });
  };
  try {
    for (const shippedPort of ports.keys()) {
      await waitForAsync(
        async () => child.exitCode === null && (await brokerAnswers(url(shippedPort), 200)),
        `the deployed Mosquitto on its listener ${shippedPort}`,
        5000,
      );
    }
  } catch (e) {
    await stop();
    throw new Error(`${e instanceof Error ? e.message : String(e)}; it said:\n${output}`);
  }
  return {
    url,
    certsDir: [...dirs.values()][0] ?? '',
    hostPath,
    output: () => output,
    stop,
  };
}
