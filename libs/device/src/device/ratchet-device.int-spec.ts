/**
 * RatchetDevice against real brokers (Aedes and Mosquitto), with a test ledger watching the
 * topics and a TCP proxy in front of the broker to cut the device off as a network would.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { parseBrokerUrl } from '@ratchet/mqtt';
import { deferred, sleep, startTcpProxy, waitFor, type TcpProxy } from '@ratchet/mqtt/testing';
import {
  openTestLedger,
  retainedPresence,
  testBrokers,
  uniquePrefix,
  type TestBroker,
  type TestLedger,
} from '../testing/index.js';
import type { CommandReport } from './ratchet-device.events.js';
import type { RatchetDeviceOptions } from './ratchet-device.options.js';
import { RatchetDevice } from './ratchet-device.js';

const brokers = await testBrokers();
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ratchet-device-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe.each(brokers)('a RatchetDevice on $name', ({ start }) => {
  const maybe = start ? it : it.skip;
  let broker: TestBroker;
  let proxy: TcpProxy;
  let devices: RatchetDevice[] = [];
  let ledgers: TestLedger[] = [];
  beforeAll(async () => {
    if (!start) return;
    broker = await start();
    proxy = await startTcpProxy(parseBrokerUrl(broker.url).port);
  });
  afterEach(async () => {
    proxy?.restore();
    await Promise.all(devices.map((d) => d.stop()));
    await Promise.all(ledgers.map((l) => l.close()));
    devices = [];
    ledgers = [];
  });
  afterAll(async () => {
    await proxy?.close();
    await broker?.close();
  });

  /** A device behind the proxy, its own state directory, and a ledger watching it. */
  async function setUp(options: Partial<RatchetDeviceOptions> = {}) {
    const deviceId = uniquePrefix('pump');
    const ledger = await openTestLedger(broker.url, [deviceId]);
    ledgers.push(ledger);
    const dir = path.join(root, deviceId);
    const reports: CommandReport[] = [];
    const make = (more: Partial<RatchetDeviceOptions> = {}) => {
      const d = new RatchetDevice({
        url: proxy.url,
        deviceId,
        store: dir,
        reconnect: { minMs: 50, maxMs: 200 },
        ...options,
        ...more,
      });
      d.on('command', (r) => reports.push(r));
      devices.push(d);
      return d;
    };
    return { deviceId, ledger, dir, reports, make };
  }

  const epochs = (l: TestLedger, id: string, online: boolean) =>
    l
      .presenceOf(id)
      .filter((p) => p.online === online)
      .map((p) => p.epoch);

  maybe(
    'announces a birth at a rising epoch, and says goodbye at the same epoch on a clean stop',
    async () => {
      const { deviceId, ledger, make } = await setUp();
      const device = make();
      await device.start();
      const first = device.epoch!;
      await waitFor(() => epochs(ledger, deviceId, true).length === 1, 'the birth');
      expect(ledger.presenceOf(deviceId)).toEqual([
        { deviceId, online: true, epoch: first, retained: false },
      ]);
      expect(await retainedPresence(broker.url, deviceId)).toMatchObject({
        online: true,
        epoch: first,
        retained: true,
      });
      await device.stop();
      await waitFor(() => epochs(ledger, deviceId, false).length === 1, 'the goodbye');
      expect(epochs(ledger, deviceId, false)).toEqual([first]);
      await device.start();
      await waitFor(() => epochs(ledger, deviceId, true).length === 2, 'the second birth');
      expect(device.epoch).toBeGreaterThan(first);
      expect(epochs(ledger, deviceId, true)).toEqual([first, device.epoch]);
    },
  );

  maybe('leaves its will when its connection dies, and comes back at a higher epoch', async () => {
    const { deviceId, ledger, make } = await setUp();
    const device = make();
    await device.start();
    const first = device.epoch!;
    // A kill as the broker sees it: the socket closes without a DISCONNECT.
    (device.client!.stream as Duplex).destroy();
    await waitFor(() => epochs(ledger, deviceId, false).length === 1, 'the will');
    expect(epochs(ledger, deviceId, false)).toEqual([first]);
    await waitFor(
      () => epochs(ledger, deviceId, true).length === 2,
      'the birth after reconnecting',
    );
    const second = epochs(ledger, deviceId, true)[1]!;
    expect(second).toBeGreaterThan(first);
    expect(device.epoch).toBe(second);
    expect(await retainedPresence(broker.url, deviceId)).toMatchObject({
      online: true,
      epoch: second,
    });
  });

  maybe(
    'acks on receipt, then sends what the handler returned or threw, both with its epoch',
    async () => {
      const { deviceId, ledger, make, reports } = await setUp();
      const gate = deferred();
      const device = make({ concurrency: 2 })
        .handle<{ rpm: number }>('set-speed', async ({ rpm }, ctx) => {
          await gate.promise;
          return { rpm, attempt: ctx.attempt, epoch: ctx.epoch };
        })
        .handle('jam', () => {
          throw new Error('the motor is jammed');
        });
      await device.start();
      const epoch = device.epoch!;
      const ok = await ledger.sendIntent(deviceId, { payload: { rpm: 900 } });
      await waitFor(() => ledger.answersTo(ok).length === 1, 'the ack, before the handler ends');
      expect(ledger.answersTo(ok)[0]).toMatchObject({ kind: 'ack', body: { epoch } });
      gate.resolve();
      const bad = await ledger.sendIntent(deviceId, { name: 'jam' });
      const unknown = await ledger.sendIntent(deviceId, { name: 'reboot' });
      await waitFor(
        () => [ok, bad, unknown].every((c) => ledger.answersTo(c).length === 2),
        'results',
      );
      expect(ledger.answersTo(ok)[1]!.body).toEqual({
        status: 'executed',
        output: { rpm: 900, attempt: 1, epoch },
        epoch,
      });
      expect(ledger.answersTo(bad)[1]!.body).toEqual({
        status: 'failed',
        error: 'the motor is jammed',
        epoch,
      });
      expect(ledger.answersTo(unknown)[1]!.body).toEqual({
        status: 'failed',
        error: `not executed: device ${deviceId} has no handler for command "reboot" (it handles "set-speed", "jam")`,
        epoch,
      });
      expect(reports.map((r) => r.outcome).sort()).toEqual([
        'executed',
        'failed',
        'unknown_command',
      ]);
    },
  );

  maybe('never executes an intent whose expiresAt has passed, and says so', async () => {
    const { deviceId, ledger, make } = await setUp();
    let ran = 0;
    const device = make().handle('set-speed', () => void ran++);
    await device.start();
    const late = await ledger.sendIntent(deviceId, { expiresAt: new Date(Date.now() - 5000) });
    await waitFor(() => ledger.answersTo(late).length === 2, 'the answers');
    expect(ledger.answersTo(late).map((a) => a.body)).toEqual([
      { epoch: device.epoch },
      {
        status: 'failed',
        error: expect.stringMatching(/^not executed: the command expired at .*, before it arrived/),
        epoch: device.epoch,
      },
    ]);
    expect(ran).toBe(0);
  });

  maybe(
    'runs a command once, across a restart, and answers its redelivery as it did the first time',
    async () => {
      const { deviceId, ledger, make } = await setUp();
      let ran = 0;
      const handler = () => ({ run: ++ran });
      const first = make().handle('set-speed', handler);
      await first.start();
      const firstEpoch = first.epoch!;
      const commandId = await ledger.sendIntent(deviceId);
      await waitFor(() => ledger.answersTo(commandId).length === 2, 'the first answers');
      await first.stop();
      // A new process, as far as the device can tell: a new object on the same directory.
      const second = make().handle('set-speed', handler);
      await second.start();
      expect(second.epoch).toBeGreaterThan(firstEpoch);
      await ledger.sendIntent(deviceId, { commandId });
      await waitFor(() => ledger.answersTo(commandId).length === 4, 'the repeated answers');
      expect(ran).toBe(1);
      const answers = ledger.answersTo(commandId).map((a) => a.body);
      expect(answers.slice(2)).toEqual(answers.slice(0, 2));
      expect(answers[1]).toEqual({ status: 'executed', output: { run: 1 }, epoch: firstEpoch });
    },
  );

  maybe(
    'keeps answers made while cut off, and sends them when back, with the epoch they were made in',
    async () => {
      const { deviceId, ledger, make, reports } = await setUp();
      const gate = deferred();
      const device = make().handle('set-speed', async () => {
        await gate.promise;
        return 'done';
      });
      await device.start();
      const before = device.epoch!;
      const commandId = await ledger.sendIntent(deviceId);
      await waitFor(() => ledger.answersTo(commandId).length === 1, 'the ack');
      proxy.cut();
      await waitFor(() => !device.connected, 'the device to notice');
      gate.resolve();
      await waitFor(() => reports.length === 1, 'the handler to end, offline');
      await sleep(100);
      expect(ledger.answersTo(commandId)).toHaveLength(1);
      proxy.restore();
      await waitFor(() => ledger.answersTo(commandId).length === 2, 'the buffered result');
      expect(device.epoch).toBeGreaterThan(before);
      expect(ledger.answersTo(commandId)[1]!.body).toEqual({
        status: 'executed',
        output: 'done',
        epoch: before,
      });
    },
  );

  maybe('keeps unsent answers on disk across a restart', async () => {
    const { deviceId, ledger, make, reports } = await setUp({ stopTimeoutMs: 2000 });
    const gate = deferred();
    const first = make().handle('set-speed', async () => {
      await gate.promise;
      return 'done';
    });
    await first.start();
    const epoch = first.epoch!;
    const commandId = await ledger.sendIntent(deviceId);
    await waitFor(() => ledger.answersTo(commandId).length === 1, 'the ack');
    proxy.cut();
    gate.resolve();
    await waitFor(() => reports.length === 1, 'the handler to end, offline');
    await first.stop();
    proxy.restore();
    const second = make();
    await second.start();
    await waitFor(() => ledger.answersTo(commandId).length === 2, 'the result, from the last run');
    expect(ledger.answersTo(commandId)[1]!.body).toEqual({
      status: 'executed',
      output: 'done',
      epoch,
    });
  });
});

describe('RatchetDevice, before it connects', () => {
  it('refuses a handler for a name no command can have, and a second handler for a name', () => {
    const device = new RatchetDevice({
      url: 'mqtt://127.0.0.1:1',
      deviceId: 'pump-1',
      store: path.join(root, 'x'),
    });
    expect(() => device.handle('set speed', () => 1)).toThrow(/is not a command name/);
    device.handle('set-speed', () => 1);
    expect(() => device.handle('set-speed', () => 2)).toThrow(/already registered/);
  });

  it('rejects start when no broker answers, naming it, and can start again later', async () => {
    const dir = path.join(root, 'unreachable');
    const device = new RatchetDevice({
      url: 'mqtt://127.0.0.1:1',
      deviceId: 'pump-1',
      store: dir,
      connectTimeoutMs: 500,
    });
    await expect(device.start()).rejects.toThrow('mqtt://127.0.0.1:1');
    // The state directory was released: another device object may take it.
    const again = new RatchetDevice({
      url: 'mqtt://127.0.0.1:1',
      deviceId: 'pump-1',
      store: dir,
      connectTimeoutMs: 500,
    });
    await expect(again.start()).rejects.toThrow('mqtt://127.0.0.1:1');
  });

  it('refuses TLS options with a plain mqtt:// URL', async () => {
    const device = new RatchetDevice({
      url: 'mqtt://127.0.0.1:1',
      deviceId: 'pump-1',
      store: path.join(root, 'tls'),
      tls: { ca: 'x' },
    });
    await expect(device.start()).rejects.toThrow(
      'TLS options were given but mqtt://127.0.0.1:1 is not an mqtts:// URL',
    );
  });
});
