/**
 * The operator console in a real browser (Debian's Chromium through playwright-core) against
 * the real service (PGlite, embedded broker) and simulated devices that answer.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Page } from 'playwright-core';
import { type Fleet, startFleet } from '@ratchet/device-sim';
import {
  type Browser,
  chromiumAvailable,
  launchBrowser,
  screenshotPath,
} from '../support/browser.js';
import { ensureConsoleBuilt } from '../support/console-build.js';
import {
  type TestLedger,
  connectDevice,
  eventually,
  startTestLedger,
} from '../support/ledger-harness.js';

const TOKEN = 'console-token-0123456789abcdef';
const auth = { authorization: `Bearer ${TOKEN}` };
const run = chromiumAvailable() ? describe : describe.skip;

run('the console in Chromium', () => {
  let ledger: TestLedger;
  let fleet: Fleet;
  let browser: Browser;
  let page: Page;
  const foreign: string[] = [];

  const shot = async (name: string) => {
    const path = screenshotPath(name);
    if (path) await page.screenshot({ path });
  };
  const issue = async (deviceId: string, name = 'set-speed', payload: object = { rpm: 1200 }) => {
    const res = await ledger.http('POST', '/commands', { deviceId, name, payload }, auth);
    expect(res.status).toBe(201);
    return res.body.commandId as string;
  };

  beforeAll(async () => {
    ensureConsoleBuilt();
    ledger = await startTestLedger({ LEDGER_API_TOKENS: TOKEN });
    fleet = await startFleet({ url: ledger.mqttUrl, devices: 3, prefix: 'pump', seed: 7 });
    browser = await launchBrowser();
    page = await browser.context.newPage();
    const origin = new URL(ledger.httpUrl).origin;
    page.on('request', (r) => {
      if (!r.url().startsWith(origin) && !r.url().startsWith('data:')) foreign.push(r.url());
    });
    // Some history to show.
    for (const [device, name] of [
      ['pump-1', 'set-speed'],
      ['pump-2', 'open-valve'],
      ['pump-3', 'set-speed'],
      ['pump-2', 'read-pressure'],
    ]) {
      await issue(device!, name!);
    }
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await fleet?.close();
    await ledger?.stop();
  });

  it('asks for a token, refuses a wrong one, then shows the commands', async () => {
    await page.goto(`${ledger.httpUrl}/console`);
    const input = page.locator('input[name=token]');
    await input.waitFor();
    await input.fill('not-the-token-0123456789');
    await page.getByRole('button', { name: 'Use token' }).click();
    await page.getByTestId('token-refused').waitFor();
    await shot('console-token');
    await input.fill(TOKEN);
    await page.getByRole('button', { name: 'Use token' }).click();
    await input.waitFor({ state: 'detached' });
    await page.locator('[data-testid=commands-table] tbody tr').first().waitFor();
    expect(await page.evaluate('sessionStorage.getItem("ratchet.token")')).toBe(TOKEN);
  });

  it('updates the live table without a reload', async () => {
    await page.goto(`${ledger.httpUrl}/console`);
    await page.locator('.live-live').waitFor();
    await page.evaluate('window.marker = 42');
    const commandId = await issue('pump-3', 'set-speed', { rpm: 600 });
    const row = page.locator(`tr[data-command-id="${commandId}"]`);
    await row.waitFor();
    await row.locator('.status-executed').waitFor();
    await expect(row.locator('td').nth(4).textContent()).resolves.not.toBe('—');
    expect(await page.evaluate('window.marker')).toBe(42);
    await eventually(
      async () => ((await page.locator('tr.flash').count()) === 0 ? true : undefined),
      'the highlight to fade',
    );
    await shot('console-commands');
  });

  it('issues a command from the device page; it completes and its timeline shows four events', async () => {
    await page.goto(`${ledger.httpUrl}/console/devices/pump-1`);
    await page.locator('[data-testid=send-command] input[name=name]').fill('set-speed');
    await page.locator('[data-testid=send-command] textarea[name=payload]').fill('{ "rpm": 900 }');
    await shot('console-device');
    await page.getByRole('button', { name: 'Send command' }).click();
    await page.waitForURL(/\/console\/commands\/[0-9a-f-]{36}$/);
    const commandId = page.url().split('/').pop()!;
    await page.locator('h1 .status-executed').waitFor();
    const types = await page
      .locator('[data-testid=timeline] li.event')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-type')));
    expect(types).toEqual([
      'CommandRequested',
      'CommandSent',
      'CommandAcknowledged',
      'CommandExecuted',
    ]);
    const stored = await ledger.http('GET', `/commands/${commandId}`, undefined, auth);
    expect([stored.body.status, stored.body.payload]).toEqual(['executed', { rpm: 900 }]);
    await expect(page.locator('[data-testid=timeline]').textContent()).resolves.toContain(
      'pump-1/commands',
    );
    await shot('console-command');
  });

  it('a device goes offline: its command shows waiting, and completes once the device is back', async () => {
    const lamp = await connectDevice(ledger.mqttUrl);
    try {
      const presence = (online: boolean, epoch: number) =>
        lamp.publishAsync('devices/lamp-1/presence', JSON.stringify({ online, epoch }), {
          qos: 1,
          retain: true,
        });
      await lamp.subscribeAsync('devices/lamp-1/commands/+', { qos: 1 });
      lamp.on('message', (topic) => {
        void lamp
          .publishAsync(`${topic}/ack`, '{}', { qos: 1 })
          .then(() => lamp.publishAsync(`${topic}/result`, '{"status":"executed"}', { qos: 1 }));
      });
      await presence(true, 1);
      await presence(false, 1);
      await eventually(async () => {
        const d = await ledger.http('GET', '/devices/lamp-1', undefined, auth);
        return d.body.presence?.status === 'offline' ? true : undefined;
      }, 'lamp-1 offline');
      const commandId = await issue('lamp-1', 'switch-on', {});
      await page.goto(`${ledger.httpUrl}/console/devices/lamp-1`);
      await page.getByTestId('presence').getByText('offline').waitFor();
      await page.getByText('device offline').waitFor();
      await shot('console-device-waiting');
      expect(
        (await ledger.http('GET', `/commands/${commandId}`, undefined, auth)).body,
      ).toMatchObject({ status: 'requested', waiting: { reason: 'device_offline' } });
      await presence(true, 2);
      // The live stream reloads the page as the command moves: sent, acknowledged, executed.
      await page.getByText('Nothing waiting.').waitFor({ timeout: 20_000 });
      await page.getByTestId('presence').getByText('online').waitFor();
      await eventually(async () => {
        const c = await ledger.http('GET', `/commands/${commandId}`, undefined, auth);
        return c.body.status === 'executed' ? true : undefined;
      }, 'the waiting command executed');
    } finally {
      await lamp.endAsync(true);
    }
  });

  it('follows a fleet command to a group: its progress bar reaches 100 % and it is listed', async () => {
    const group = await ledger.http(
      'PUT',
      '/groups/console-pumps',
      { deviceIds: ['pump-1', 'pump-2', 'pump-3'] },
      auth,
    );
    expect(group.status).toBe(200);
    const issued = await ledger.http(
      'POST',
      '/fleet-commands',
      { target: { group: 'console-pumps' }, name: 'update-firmware', rollout: { perMinute: 120 } },
      auth,
    );
    expect(issued.status).toBe(201);
    const id = issued.body.fleetCommandId as string;
    await page.goto(`${ledger.httpUrl}/console/fleets/${id}`);
    await page.getByTestId('fleet-percent').waitFor();
    // perMinute 120: two children at once, the third half a second later; the page follows live.
    await eventually(
      async () =>
        (await page.getByTestId('fleet-percent').textContent())?.trim() === '100 %'
          ? true
          : undefined,
      'the progress bar at 100 %',
      30_000,
    );
    await page.locator('h1 .status-completed').waitFor();
    await shot('console-fleet');
    await page.goto(`${ledger.httpUrl}/console/fleets`);
    await page.locator('table.commands tbody tr').first().waitFor();
    await expect(page.locator('table.commands').textContent()).resolves.toContain(
      'update-firmware',
    );
    await shot('console-fleets');
  });

  it('loads nothing from outside the ledger', () => {
    expect(foreign).toEqual([]);
  });
});
