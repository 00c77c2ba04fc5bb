import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createPgliteEventStore } from '@ratchet/event-store';
import {
  type FleetEvent,
  type FleetRequestedData,
  childCommandOf,
  eventIdFor,
  fleetStreamOf,
  foldFleet,
  revisionEventId,
  streamOf,
  withFleetDefaults,
  fleetFingerprint,
} from '@ratchet/lifecycle';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './cli.js';
import type { CliIo } from './io.js';

const cli = async (env: Record<string, string>, ...argv: string[]) => {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    out: (line) => void out.push(line),
    err: (line) => void err.push(line),
    errRaw: () => undefined,
    errIsTTY: false,
    env,
    now: () => Date.now(),
  };
  const code = await runCli(argv, io);
  return { code, out: out.join('\n'), err: err.join('\n'), lines: out };
};

const at = '2026-03-01T12:00:00.000Z';

describe('ledger CLI: audit fleet and export fleet (PGlite)', () => {
  let dataDir: string;
  const fleetId = randomUUID();
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'ratchet-cli-fleet-'));
    const store = await createPgliteEventStore({ dataDir: join(dataDir, 'pglite') });
    // A fleet to three devices: two children created (one executed), as the rollout writes them.
    const request = withFleetDefaults(
      { target: { deviceIds: ['cf-1', 'cf-2', 'cf-3'] }, name: 'reboot' },
      { ackTimeoutMs: 1000, timeoutMs: 5000, expiresInMs: 60_000 },
    );
    const requested: FleetRequestedData = {
      fleetCommandId: fleetId,
      request,
      fingerprint: fleetFingerprint(request),
      requestedAt: at,
      issuedBy: 'ops',
      targets: 3,
      groupRevision: null,
    };
    const events: FleetEvent[] = [
      { type: 'FleetCommandRequested', data: requested },
      {
        type: 'FleetChildrenCreated',
        data: { fromIndex: 0, count: 2, through: { deviceId: 'cf-2', groupRevision: null }, at },
      },
    ];
    const stream = fleetStreamOf(fleetId);
    const state = foldFleet(events.slice(0, 1))!;
    await store.append(
      stream,
      events.map((e, i) => ({
        id: revisionEventId(stream, BigInt(i)),
        type: e.type,
        data: { ...e.data },
      })),
      'no_stream',
    );
    for (const device of ['cf-1', 'cf-2']) {
      const child = childCommandOf(state, device, at);
      const s = streamOf(child.commandId);
      await store.append(
        s,
        [
          {
            id: eventIdFor(child.commandId, 'CommandRequested'),
            type: 'CommandRequested',
            data: { ...child },
          },
        ],
        'no_stream',
      );
      if (device === 'cf-1') {
        await store.append(
          s,
          [
            {
              id: eventIdFor(child.commandId, 'CommandExecuted'),
              type: 'CommandExecuted',
              data: { at },
            },
          ],
          0n,
        );
      }
    }
    await store.close();
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('rebuilds fleet_progress, audits the fleet (decisions and children) and exports it as JSON lines', async () => {
    const env = { LEDGER_DATA_DIR: dataDir };
    const rebuilt = await cli(env, 'projections', 'rebuild', 'fleet_progress');
    expect(rebuilt.code).toBe(0);
    const audit = await cli(env, 'audit', 'fleet', fleetId);
    expect(audit.code).toBe(0);
    expect(audit.out).toContain('reboot');
    expect(audit.out).toContain('FleetChildrenCreated');
    expect(audit.out).toContain('2 children of 3 targets: requested 1, executed 1');
    const exported = await cli(env, 'export', 'fleet', fleetId);
    expect(exported.code).toBe(0);
    const lines = exported.lines.map(
      (l) => JSON.parse(l) as { type: string; commandId: string | null; fleetCommandId: string },
    );
    expect(lines.map((l) => l.type)).toEqual([
      'FleetCommandRequested',
      'FleetChildrenCreated',
      ...(lines[2]!.type === 'CommandRequested' && lines[3]!.type === 'CommandExecuted'
        ? ['CommandRequested', 'CommandExecuted', 'CommandRequested']
        : ['CommandRequested', 'CommandRequested', 'CommandExecuted']),
    ]);
    expect(lines.every((l) => l.fleetCommandId === fleetId)).toBe(true);
    expect((await cli(env, 'audit', 'fleet', randomUUID())).code).toBe(3);
    expect((await cli(env, 'export', 'fleet', 'nope')).code).toBe(3);
    const verify = await cli(env, 'verify');
    expect(verify.out).toContain('fleet_progress: checkpoint');
    expect(verify.out).toContain('1 fleet commands compared with a fresh fold: no mismatch');
  });
});
