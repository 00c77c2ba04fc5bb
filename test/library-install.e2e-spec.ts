import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import mqtt from 'mqtt';
import pg from 'pg';
import {
  isPostgresReachable,
  postgresRequired,
  postgresServerUrl,
} from '@ratchet/event-store/testing';
import { type EmbeddedBroker, startEmbeddedBroker } from '@ratchet/mqtt';

/**
 * The proof of CONTRACT.md section 7: the packages as a team gets them (`npm run pack`),
 * installed from their tarballs into fresh applications outside the workspace — one ESM, one
 * CommonJS — with only Nest, the CQRS module, rxjs and reflect-metadata beside them (no
 * Swagger, terminus, prom-client, Aedes, PGlite: the main entry point must not need them),
 * compiled with `tsc` against the shipped declarations, running the README's example: a
 * command issued through the host's CommandBus, executed by a device over MQTT, the host's
 * @EventsHandler receiving CommandExecuted, awaitCommand, a typed error through the host's
 * controller, and the subscription resuming after a restart.
 */
const root = resolve(import.meta.dirname, '..');
const run = promisify(execFile);
const databaseUrl = postgresServerUrl();
/** PostgreSQL is needed; without it the test skips, except under CI=true, where it fails. */
const withPostgres = (await isPostgresReachable(databaseUrl)) || postgresRequired();

/** The README's example files: each ```ts block whose first line is `// src/<file>.ts`. */
async function readmeExample(): Promise<Map<string, string>> {
  const readme = await readFile(join(root, 'README.md'), 'utf8');
  const section = readme.split('## Using it inside a NestJS application')[1]?.split('\n## ')[0];
  if (!section) throw new Error('README.md has no "Using it inside a NestJS application" section');
  const files = new Map<string, string>();
  for (const [, body] of section.matchAll(/```ts\n([\s\S]*?)```/g)) {
    const name = /^\/\/ (src\/[\w.-]+\.ts)\n/.exec(body)?.[1];
    if (name) files.set(name, body);
  }
  return files;
}

/** The host's entry point (not in the README: every Nest app has its own). */
const MAIN = `import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module.js';

async function main(): Promise<void> {
  const app = await NestFactory.create(AppModule, { logger: ['error', 'warn'] });
  app.enableShutdownHooks();
  await app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1');
  console.log(JSON.stringify({ listening: await app.getUrl() }));
}
void main();
`;

const TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    module: 'nodenext',
    moduleResolution: 'nodenext',
    outDir: 'dist',
    rootDir: 'src',
    strict: true,
    experimentalDecorators: true,
    emitDecoratorMetadata: true,
    // Nest's default: the optional peers' types (Aedes, PGlite) are not installed.
    skipLibCheck: true,
    types: ['node'],
  },
  include: ['src'],
};

/** The versions the workspace runs on, so that npm finds them in its cache. */
const version = (name: string): string =>
  (
    JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')) as {
      version: string;
    }
  ).version;

interface Host {
  readonly url: string;
  readonly lines: string[];
  stop(): Promise<void>;
}

async function startHost(dir: string, env: Record<string, string>): Promise<Host> {
  const child: ChildProcess = spawn(process.execPath, ['dist/main.js'], {
    cwd: dir,
    env: { ...process.env, ...env, PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`host did not listen in 30 s: ${err}`)),
      30_000,
    );
    let buffer = '';
    child.stdout!.on('data', (d: Buffer) => {
      buffer += d.toString();
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        lines.push(line);
        const listening = /"listening":"([^"]+)"/.exec(line)?.[1];
        if (listening) {
          clearTimeout(timer);
          resolveUrl(listening.replace('[::1]', '127.0.0.1'));
        }
      }
    });
    child.on('exit', (code) => reject(new Error(`host exited (${code}): ${err}`)));
  });
  return {
    url,
    lines,
    stop: () =>
      new Promise<void>((done) => {
        if (child.exitCode !== null) return done();
        child.on('exit', () => done());
        child.kill('SIGTERM');
      }),
  };
}

const billed = (host: Host) =>
  host.lines.flatMap((l) =>
    l.startsWith('{"billed"') ? [JSON.parse(l) as { billed: string }] : [],
  );

const eventually = async (check: () => boolean, what: string, ms = 20_000): Promise<void> => {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

(withPostgres ? describe : describe.skip)(
  'the packages installed from their tarballs into fresh NestJS applications (ESM and CommonJS)',
  () => {
    let work: string;
    let broker: EmbeddedBroker;
    let device: mqtt.MqttClient;
    const admin = new pg.Client({ connectionString: databaseUrl });
    const databases: string[] = [];

    beforeAll(async () => {
      await run('npm', ['run', 'pack', '--silent'], { cwd: root, maxBuffer: 1 << 24 });
      const tarballs = readdirSync(join(root, 'dist/packages'))
        .filter((f) => f.endsWith('.tgz'))
        .map((f) => join(root, 'dist/packages', f));
      work = await mkdtemp(join(tmpdir(), 'ratchet-hosts-'));
      await writeFile(join(work, 'package.json'), JSON.stringify({ name: 'hosts', private: true }));
      const peers = [
        '@nestjs/common',
        '@nestjs/core',
        '@nestjs/cqrs',
        '@nestjs/platform-express',
        'reflect-metadata',
        'rxjs',
        '@types/node',
      ].map((p) => `${p}@${version(p)}`);
      // The registry (its cache) only: every @ratchet package comes from a tarball.
      await run(
        'npm',
        [
          'install',
          '--prefer-offline',
          '--no-audit',
          '--no-fund',
          '--loglevel=error',
          ...tarballs,
          ...peers,
        ],
        { cwd: work, maxBuffer: 1 << 24 },
      );
      for (const optional of [
        '@nestjs/swagger',
        '@nestjs/terminus',
        'prom-client',
        'aedes',
        '@electric-sql/pglite',
      ])
        expect(existsSync(join(work, 'node_modules', optional))).toBe(false);
      const example = await readmeExample();
      expect([...example.keys()].sort()).toEqual([
        'src/app.module.ts',
        'src/billing.handler.ts',
        'src/pumps.controller.ts',
      ]);
      for (const flavor of ['esm', 'cjs']) {
        const dir = join(work, flavor);
        await mkdir(join(dir, 'src'), { recursive: true });
        await writeFile(
          join(dir, 'package.json'),
          JSON.stringify({
            name: `host-${flavor}`,
            private: true,
            type: flavor === 'esm' ? 'module' : 'commonjs',
          }),
        );
        await writeFile(join(dir, 'tsconfig.json'), JSON.stringify(TSCONFIG, null, 2));
        for (const [name, body] of example) await writeFile(join(dir, name), body);
        await writeFile(join(dir, 'src/main.ts'), MAIN);
        await run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', dir], {
          cwd: dir,
        }).catch((e: { stdout?: string }) => {
          throw new Error(`tsc (${flavor}) failed:\n${e.stdout ?? String(e)}`);
        });
      }
      broker = await startEmbeddedBroker({ port: 0 });
      device = await mqtt.connectAsync(broker.url, { clientId: 'pump-1' });
      await device.subscribeAsync('devices/pump-1/commands/+', { qos: 1 });
      device.on('message', (topic, payload) => {
        const { payload: body } = JSON.parse(payload.toString()) as { payload: { rpm: number } };
        void device.publishAsync(`${topic}/ack`, '{}', { qos: 1 });
        void device.publishAsync(
          `${topic}/result`,
          JSON.stringify({ status: 'executed', output: { rpm: body.rpm } }),
          { qos: 1 },
        );
      });
      await admin.connect();
    }, 600_000);

    afterAll(async () => {
      await device?.endAsync();
      await broker?.close();
      for (const name of databases)
        await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
      if (work) await rm(work, { recursive: true, force: true });
    });

    it('cjs: a broker that is down at start does not keep the application from starting', async () => {
      const name = `ratchet_host_down_${randomUUID().slice(0, 8)}`;
      await admin.query(`CREATE DATABASE ${name}`);
      databases.push(name);
      const dead = await startEmbeddedBroker({ port: 0 });
      const deadUrl = dead.url;
      await dead.close(); // its port is free again: nothing answers there
      const t0 = Date.now();
      const host = await startHost(join(work, 'cjs'), {
        DATABASE_URL: databaseUrl!.replace(/\/[^/?]+(\?|$)/, `/${name}$1`),
        MQTT_URL: deadUrl,
      });
      try {
        expect(Date.now() - t0).toBeLessThan(20_000);
        const res = await fetch(`${host.url}/pumps/pump-1/speed`, { method: 'GET' });
        expect(res.status).toBe(404); // the application serves (its route is a POST)
      } finally {
        await host.stop();
      }
    }, 60_000);

    for (const flavor of ['esm', 'cjs'] as const) {
      it(`${flavor}: issue through the host's bus, a device over MQTT, CommandExecuted on the host's handler, awaitCommand, a typed error, a restart resuming the subscription`, async () => {
        const name = `ratchet_host_${flavor}_${randomUUID().slice(0, 8)}`;
        await admin.query(`CREATE DATABASE ${name}`);
        databases.push(name);
        const env = {
          DATABASE_URL: databaseUrl!.replace(/\/[^/?]+(\?|$)/, `/${name}$1`),
          MQTT_URL: broker.url,
        };
        const dir = join(work, flavor);
        let host = await startHost(dir, env);
        try {
          const post = (path: string, body: unknown) =>
            fetch(`${host.url}${path}`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify(body),
            });
          const key = randomUUID();
          const done = await post('/pumps/pump-1/speed', { rpm: 1200, key });
          expect(done.status).toBe(201);
          expect(await done.json()).toMatchObject({
            commandId: key,
            status: 'executed',
            result: { rpm: 1200 },
          });
          await eventually(
            () => billed(host).some((b) => b.billed === key),
            'CommandExecuted billed',
          );
          expect(billed(host)).toEqual([{ billed: key, device: 'pump-1', output: { rpm: 1200 } }]);

          const conflict = await post('/pumps/pump-1/speed', { rpm: 1300, key });
          expect(conflict.status).toBe(409);
          expect(await conflict.json()).toMatchObject({
            statusCode: 409,
            error: 'Conflict',
            command: { commandId: key, status: 'executed' },
          });
          const invalid = await post('/pumps/no%20spaces!/speed', { rpm: 1 });
          expect(invalid.status).toBe(400);

          await host.stop();
          host = await startHost(dir, env);
          const second = randomUUID();
          expect((await post('/pumps/pump-1/speed', { rpm: 900, key: second })).status).toBe(201);
          await eventually(
            () => billed(host).some((b) => b.billed === second),
            'billed after restart',
          );
          // Resumed where it stopped: the first command is not billed again.
          expect(billed(host).map((b) => b.billed)).toEqual([second]);
        } finally {
          await host.stop();
        }
      }, 120_000);
    }
  },
);
