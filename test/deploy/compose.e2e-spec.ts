/**
 * docker-compose.yml checked without a Docker engine: what it mounts and builds from exists,
 * what it tells the ledger is what the ledger reads and accepts, and the services point at one
 * another the way the Mosquitto configuration and ACL expect.
 */
import { describe, expect, it } from '@jest/globals';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { KNOWN_VARIABLES, loadConfig } from '@ratchet/ledger-app';
import {
  MissingVariableError,
  REPO_ROOT,
  bindMounts,
  buildOf,
  environmentOf,
  hostAndPort,
  loadCompose,
  namedVolumes,
  publishedContainerPorts,
} from './compose-file.js';
import { TEST_CREDENTIALS, TEST_VARIABLES, deviceSims, ledgerReplicas } from './compose-roles.js';
import { contextSources, finalCmd, ignoredByDockerignore, readDockerfile } from './dockerfile.js';
import {
  IMAGE_CONF_PATH,
  hostLedgerEnv,
  hostPathIn,
  makeDemoCerts,
  mosquittoFiles,
} from './deployed-mosquitto.js';
import { REWRITTEN_DIRECTIVES, parseMosquittoConf, rewriteForTest } from './mosquitto-conf.js';

const compose = loadCompose(TEST_VARIABLES);
const services = compose.services;
const exists = (p: string) => existsSync(join(REPO_ROOT, p));
const read = (p: string) => readFileSync(join(REPO_ROOT, p), 'utf8');
const files = mosquittoFiles(compose);
const shippedConf = read(files.get(IMAGE_CONF_PATH)!);
const conf = parseMosquittoConf(shippedConf);
const listener = (port: number) => conf.listeners.find((l) => l.port === port);
const deviceListener = (port: number) =>
  listener(port)?.options.get('use_username_as_clientid') === 'true';
const passwdUsers = read(files.get(conf.global.get('password_file')!)!)
  .split('\n')
  .filter(Boolean)
  .map((l) => l.split(':')[0]);
/** A package's `dist/x/y.js` is built from its `src/x/y.ts` (its tsconfig.json: src → dist). */
const sourceOf = (built: string) => built.replace(/\/dist\//, '/src/').replace(/\.js$/, '.ts');

describe('docker-compose.yml', () => {
  it('refuses to start until LEDGER_API_CREDENTIALS is set (no known token ships)', () => {
    expect(() => loadCompose({})).toThrow(MissingVariableError);
    expect(() => loadCompose({})).toThrow(/LEDGER_API_CREDENTIALS/);
  });

  it('mounts only files that exist, read-only', () => {
    const mounts = Object.values(services).flatMap(bindMounts);
    expect(mounts.length).toBeGreaterThan(0);
    for (const m of mounts) {
      expect({ [m.source]: exists(m.source) }).toEqual({ [m.source]: true });
      expect({ [m.target]: m.readOnly }).toEqual({ [m.target]: true });
    }
  });

  it('builds from a Dockerfile whose sources exist and reach the build context', () => {
    const builds = Object.values(services).flatMap((s) => buildOf(s) ?? []);
    expect(builds.length).toBeGreaterThan(0);
    for (const { context, dockerfile } of builds) {
      expect(exists(context) && exists(dockerfile)).toBe(true);
      const sources = contextSources(readDockerfile(dockerfile));
      expect(sources).toEqual(expect.arrayContaining(['package-lock.json', 'apps', 'libs']));
      for (const source of sources) {
        expect({ [source]: exists(join(context, source)) }).toEqual({ [source]: true });
        expect({ [source]: ignoredByDockerignore(source, context) }).toEqual({ [source]: false });
      }
      // What the image runs is built from a source file that exists.
      const [node, main] = finalCmd(readDockerfile(dockerfile));
      expect(node).toBe('node');
      expect(exists(sourceOf(main!))).toBe(true);
    }
    for (const sim of deviceSims(compose)) expect(exists(sourceOf(sim.entrypoint[1]!))).toBe(true);
    // A host-built tree must never shadow the image's own install and build.
    expect(['node_modules', 'dist', '.env'].map((p) => ignoredByDockerignore(p))).toEqual([
      true,
      true,
      true,
    ]);
  });

  it('sets on the ledger replicas only variables the service reads', () => {
    const replicas = ledgerReplicas(compose);
    expect(replicas.map((r) => r.name)).toEqual(['ledger-1', 'ledger-2']);
    for (const r of replicas) {
      const unknown = Object.keys(r.env).filter((k) => !KNOWN_VARIABLES.includes(k));
      expect({ [r.name]: unknown }).toEqual({ [r.name]: [] });
    }
  });

  it('gives each replica an environment loadConfig accepts, for the production shape', () => {
    const replicas = ledgerReplicas(compose);
    const ids = new Set<string | null>();
    const postgres = environmentOf(services['postgres']!);
    // loadConfig reads the TLS files: the ones the demo script makes, where compose mounts them.
    const certs = mkdtempSync(join(tmpdir(), 'ratchet-compose-certs-'));
    makeDemoCerts(certs);
    const dirs = new Map([[files.get('/mosquitto/config/certs')!, certs]]);
    try {
      for (const r of replicas) {
        const config = loadConfig(hostLedgerEnv(r.env, (p) => hostPathIn(dirs, r.service, p)));
        expect(config.mqttUrl!.startsWith('mqtts://')).toBe(true);
        expect(config.mqttTls.caFile).toBe(join(certs, 'ca.crt'));
        checkReplica(r, config);
      }
    } finally {
      rmSync(certs, { recursive: true, force: true });
    }
    function checkReplica(r: (typeof replicas)[number], config: ReturnType<typeof loadConfig>) {
      expect(config).toMatchObject({
        store: 'eventstoredb',
        mqttUsername: expect.any(String),
        mqttPassword: expect.any(String),
        apiTokens: [],
        // With credentials the API binds every interface: the published port reaches it.
        httpHost: '0.0.0.0',
      });
      expect(config.apiCredentials.map((c) => c.name)).toEqual([...TEST_CREDENTIALS]);
      expect(publishedContainerPorts(r.service)).toEqual([config.httpPort]);
      expect(hostAndPort(config.eventStoreUrl!)).toEqual({ host: 'kurrentdb', port: 2113 });
      const db = new URL(config.databaseUrl!);
      expect([db.hostname, db.username, db.password, db.pathname]).toEqual([
        'postgres',
        postgres['POSTGRES_USER'],
        postgres['POSTGRES_PASSWORD'],
        `/${postgres['POSTGRES_DB']}`,
      ]);
      expect(hostAndPort(config.mqttUrl!).host).toBe('mosquitto');
      ids.add(config.instanceId);
    }
    // Replicas with one id would share MQTT client ids and take each other's sessions.
    expect(ids.size).toBe(replicas.length);
    expect(ids.has(null)).toBe(false);
  });

  it('connects the ledger over TLS to the listener without client-id binding, with an account of its own', () => {
    for (const r of ledgerReplicas(compose)) {
      const { port } = hostAndPort(r.env['MQTT_URL']!);
      expect(listener(port)).toBeDefined();
      // TLS, with the CA the broker's certificate comes from, from the same directory.
      expect(r.env['MQTT_URL']!.startsWith('mqtts://')).toBe(true);
      expect(listener(port)!.options.get('certfile')).toMatch(/^\/mosquitto\/config\/certs\//);
      const ca = bindMounts(r.service).find((m) =>
        r.env['MQTT_CA_FILE']!.startsWith(`${m.target}/`),
      );
      expect(ca?.source).toBe(files.get('/mosquitto/config/certs'));
      expect(deviceListener(port)).toBe(false);
      expect(passwdUsers).toContain(r.env['MQTT_USERNAME']);
      expect(read(files.get(conf.global.get('acl_file')!)!)).toContain(
        `user ${r.env['MQTT_USERNAME']}`,
      );
    }
  });

  it('runs each simulator as one device, over TLS with that device’s certificate, on the device listener', () => {
    const sims = deviceSims(compose);
    expect(sims.map((s) => s.fleet.deviceIds)).toEqual([['pump-1'], ['pump-2'], ['pump-3']]);
    const certs = files.get(
      dirname(conf.listeners.find((l) => l.options.has('cafile'))!.options.get('cafile')!),
    );
    for (const sim of sims) {
      const id = sim.fleet.deviceIds![0];
      // No password: the certificate is the identity (its common name, the device id).
      expect([sim.fleet.username, sim.fleet.password]).toEqual([undefined, undefined]);
      expect(basename(sim.fleet.tls!.certFile!)).toBe(`${id}.crt`);
      expect(basename(sim.fleet.tls!.keyFile!)).toBe(`${id}.key`);
      // Its files come from the directory the broker's CA comes from.
      const mount = bindMounts(sim.service).find((m) =>
        sim.fleet.tls!.certFile!.startsWith(`${m.target}/`),
      );
      expect(mount?.source).toBe(certs);
      expect(basename(sim.fleet.tls!.caFile!)).toBe('ca.crt');
      const { host, port } = hostAndPort(sim.fleet.url);
      expect(sim.fleet.url.startsWith('mqtts://')).toBe(true);
      expect(host).toBe('mosquitto');
      expect(deviceListener(port)).toBe(true);
    }
  });

  it('has no plain listener for devices: the device listener requires a certificate and binds its name', () => {
    const devices = conf.listeners.filter(
      (l) => l.options.get('use_username_as_clientid') === 'true',
    );
    expect(devices.map((l) => l.port)).toEqual([8883]);
    expect(Object.fromEntries(devices[0]!.options)).toMatchObject({
      require_certificate: 'true',
      use_identity_as_username: 'true',
      cafile: expect.stringMatching(/^\/mosquitto\/config\/certs\//),
      certfile: expect.stringMatching(/^\/mosquitto\/config\/certs\//),
      keyfile: expect.stringMatching(/^\/mosquitto\/config\/certs\//),
    });
    // The certificates ship as a directory the script fills, never as committed keys.
    expect(read(`${files.get('/mosquitto/config/certs')}/.gitignore`)).toMatch(/^\*$/m);
  });

  it('publishes the device listener only, never the ledger’s', () => {
    const published = publishedContainerPorts(services['mosquitto']!);
    expect(published.length).toBeGreaterThan(0);
    for (const port of published) expect(deviceListener(port)).toBe(true);
  });

  it('mounts apps/broker/mosquitto.conf where the image reads it, with its passwd and ACL', () => {
    expect(files.get(IMAGE_CONF_PATH)).toBe('apps/broker/mosquitto.conf');
    // No command override: the image's default is `mosquitto -c /mosquitto/config/mosquitto.conf`.
    expect(services['mosquitto']!.command).toBeUndefined();
    expect(files.get(conf.global.get('password_file')!)).toBe('apps/broker/passwd');
    expect(files.get(conf.global.get('acl_file')!)).toBe('apps/broker/acl');
    expect(Object.fromEntries(conf.global)).toMatchObject({
      per_listener_settings: 'false',
      allow_anonymous: 'false',
      set_tcp_nodelay: 'true',
      persistence: 'true',
    });
    const queued = Number(conf.global.get('max_queued_messages'));
    expect(queued === 0 || queued >= 10_000).toBe(true);
  });

  it('lets the broker test rewrite nothing but listeners, persistence and file paths', () => {
    const ports = new Map(conf.listeners.map((l, i) => [l.port, 40_000 + i]));
    const copies = new Map([...files.keys()].map((target) => [target, `/tmp/x${target}`]));
    const rewritten = rewriteForTest(shippedConf, { ports, files: copies }).split('\n');
    const changed = shippedConf
      .split('\n')
      .map((line, i) => [line, rewritten[i]] as const)
      .filter(([a, b]) => a !== b)
      .map(([a]) => a.split(/\s+/)[0]);
    expect(changed.length).toBeGreaterThan(0);
    for (const key of changed) expect(REWRITTEN_DIRECTIVES).toContain(key);
  });

  it('keeps every store’s data on a named volume', () => {
    const volumes = Object.keys(compose.volumes ?? {});
    const on = (service: string, target: string) =>
      namedVolumes(services[service]!).find((v) => v.target === target)?.name;
    expect(volumes).toContain(on('kurrentdb', '/var/lib/kurrentdb'));
    expect(volumes).toContain(on('postgres', '/var/lib/postgresql/data'));
    const persistence = conf.global.get('persistence_location')!.replace(/\/$/, '');
    expect(volumes).toContain(on('mosquitto', persistence));
  });

  it('ships a password file mosquitto_passwd can edit: entries only, no comments', () => {
    const lines = read('apps/broker/passwd').split('\n').filter(Boolean);
    // A comment line makes mosquitto_passwd 2.0 drop every entry after it, and the broker
    // refuse everyone: the demo warning lives in the README and docker-compose.yml instead.
    for (const line of lines) expect(line).toMatch(/^[A-Za-z0-9][A-Za-z0-9_.-]*:\$7\$/);
    // Devices authenticate with certificates: the only account is the ledger's.
    expect(passwdUsers.sort()).toEqual(['ledger']);
  });
});
