import { expect, it } from '@jest/globals';
import { CommandWriter, seconds } from '../../test/command-writer.js';
import { writeHealthyMix } from '../../test/ledger-scenarios.js';
import { describeOnBothDatabases } from '../../test/read-model-fixture.js';
import { type CommandHistoryEntry, deviceHistory, lateResultHistory } from './command-history.js';
import { listDeviceCommands } from './device-commands.js';
import { commandHistoryLines, historyLines, toJsonLine } from './history-lines.js';
import { listLateResults } from './late-results.js';

const collect = async <T>(items: AsyncIterable<T>): Promise<T[]> => {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
};

describeOnBothDatabases('audit queries', (fixture) => {
  const summary = (entries: CommandHistoryEntry[]) =>
    entries.map((e) => [e.command.state.commandId, e.events.map((x) => x.type)]);

  it("lists a device's commands in a time range, oldest first, each with its whole history", async () => {
    const { eventStore, driver } = fixture();
    // At seconds 0, 4, 6, 8, 12, 14, 16 after 1000; another device at the same times.
    const ids = await writeHealthyMix(eventStore, 'audit-1', 1000);
    await writeHealthyMix(eventStore, 'audit-2', 1000);
    await (await fixture().open()).catchUp();
    const entries = await collect(
      deviceHistory(driver, eventStore, {
        deviceId: 'audit-1',
        from: seconds(1004),
        to: seconds(1012), // exclusive
      }),
    );
    const [, failed, retry, late] = ids;
    expect(summary(entries)).toEqual([
      [failed, ['CommandRequested', 'CommandFailed']],
      [retry, ['CommandRequested', 'CommandSent']],
      [late, ['CommandRequested', 'CommandSent', 'CommandTimedOut', 'CommandLateResultObserved']],
    ]);
    expect(entries[0]?.command.retriedBy).toBe(retry);
    const all = await collect(deviceHistory(driver, eventStore, { deviceId: 'audit-1' }));
    expect(all.map((e) => e.command.state.commandId)).toEqual(ids);
  });

  it('pages by (requestedAt, commandId) without losing or repeating a command', async () => {
    const { eventStore, driver } = fixture();
    const w = new CommandWriter(eventStore);
    const ids = [];
    for (let i = 0; i < 7; i += 1) ids.push(await w.issue('audit-pages', seconds(2000 + (i % 3))));
    await (await fixture().open()).catchUp();
    const seen: string[] = [];
    let after = null;
    do {
      const page = await listDeviceCommands(driver, {
        deviceId: 'audit-pages',
        from: seconds(0),
        to: seconds(9999),
        limit: 2,
        after,
      });
      seen.push(...page.items.map((c) => c.state.commandId));
      after = page.next;
    } while (after);
    expect(seen).toHaveLength(7);
    expect([...seen].sort()).toEqual([...ids].sort());
  });

  it('finds the commands that timed out and yet got a result from the device', async () => {
    const { eventStore, driver } = fixture();
    const [, , , late] = await writeHealthyMix(eventStore, 'audit-late', 3000);
    await (await fixture().open()).catchUp();
    const page = await listLateResults(driver, { limit: 100 });
    const found = page.items.find((c) => c.state.commandId === late);
    expect(found?.state).toMatchObject({
      status: 'timed_out',
      timedOutStage: 'result',
      lateResult: { status: 'executed', output: { rpm: 900 } },
    });
    // Cancelled commands with a late result are not timeouts; every one listed is.
    expect(page.items.every((c) => c.state.status === 'timed_out' && c.state.lateResult)).toBe(
      true,
    );
    const histories = await collect(lateResultHistory(driver, eventStore));
    expect(histories.map((h) => h.command.state.commandId)).toContain(late);
  });

  it('exports one command or a whole device as JSON lines', async () => {
    const { eventStore, driver } = fixture();
    const [executed] = await writeHealthyMix(eventStore, 'audit-export', 4000);
    await (await fixture().open()).catchUp();
    const lines = await commandHistoryLines(eventStore, executed as string);
    expect(lines.map((l) => [l.revision, l.type, l.commandId, l.deviceId])).toEqual([
      [0, 'CommandRequested', executed, 'audit-export'],
      [1, 'CommandSent', executed, 'audit-export'],
      [2, 'CommandAcknowledged', executed, 'audit-export'],
      [3, 'CommandExecuted', executed, 'audit-export'],
    ]);
    const line = JSON.parse(toJsonLine(lines[3])) as Record<string, unknown>;
    expect(line).toMatchObject({ data: { output: 0 }, recordedAt: expect.any(String) });
    expect(await commandHistoryLines(eventStore, '3f1f7a9e-0000-4000-8000-000000000000')).toEqual(
      [],
    );
    const device = await collect(
      historyLines(deviceHistory(driver, eventStore, { deviceId: 'audit-export' })),
    );
    expect(device).toHaveLength(18);
    expect(new Set(device.map((l) => l.deviceId))).toEqual(new Set(['audit-export']));
  });
});
