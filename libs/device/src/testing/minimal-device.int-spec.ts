/**
 * The README's minimal device (docs/device-sdk.md) is minimal-device.ts, word for word but for
 * its `export`; run here against Aedes: it answers both its commands and refuses others.
 */
import { afterAll, describe, expect, it, jest } from '@jest/globals';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmbeddedBroker } from '@ratchet/mqtt';
import { waitFor } from '@ratchet/mqtt/testing';
import { openTestLedger } from './test-ledger.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const source = fs.readFileSync(path.join(here, 'minimal-device.ts'), 'utf8');
const doc = fs.readFileSync(path.join(here, '../../../../docs/device-sdk.md'), 'utf8');

describe('the minimal device of docs/device-sdk.md', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ratchet-minimal-device-'));
  const cwd = process.cwd();
  afterAll(() => {
    process.chdir(cwd);
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('is the code the documentation shows, under 30 lines', () => {
    const block = /```ts\n([\s\S]*?)```/.exec(doc)?.[1];
    expect(block).toBe(source.replace('export const device', 'const device'));
    expect(block!.trimEnd().split('\n').length).toBeLessThan(30);
  });

  it('runs: executes set-speed and stop, refuses a bad rpm and an unknown command', async () => {
    const broker = await startEmbeddedBroker({ port: 0 });
    const ledger = await openTestLedger(broker.url, ['pump-17']);
    process.env['MQTT_URL'] = broker.url;
    process.chdir(work);
    // What the example prints, kept out of the test output.
    const printed = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      const { device } = await import('./minimal-device.js');
      const ids = [
        await ledger.sendIntent('pump-17', { name: 'set-speed', payload: { rpm: 1200 } }),
        await ledger.sendIntent('pump-17', { name: 'set-speed', payload: { rpm: -1 } }),
        await ledger.sendIntent('pump-17', { name: 'stop', payload: {} }),
        await ledger.sendIntent('pump-17', { name: 'reboot', payload: {} }),
      ];
      await waitFor(() => ids.every((id) => ledger.answersTo(id).length === 2), 'the answers');
      const results = ids.map((id) => ledger.answersTo(id)[1]!.body);
      expect(results).toEqual([
        { status: 'executed', output: { rpm: 1200 }, epoch: device.epoch },
        {
          status: 'failed',
          error: 'rpm must be a whole number from 0 to 3000, not -1',
          epoch: device.epoch,
        },
        { status: 'executed', output: { rpm: 0 }, epoch: device.epoch },
        {
          status: 'failed',
          error: expect.stringContaining('no handler for command "reboot"'),
          epoch: device.epoch,
        },
      ]);
      expect(fs.existsSync(path.join(work, 'state/pump-17/epoch'))).toBe(true);
      expect(printed).toHaveBeenCalledWith(`${ids[0]} set-speed: executed`);
      await device.stop();
    } finally {
      printed.mockRestore();
      await ledger.close();
      await broker.close();
    }
  });
});
