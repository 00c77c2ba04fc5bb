import { expect, it } from '@jest/globals';
import { streamOf } from '@ratchet/lifecycle';
import { CommandWriter, seconds, T0 } from '../../test/command-writer.js';
import { describeOnBothDatabases } from '../../test/read-model-fixture.js';
import { commandStatusProjection } from './command-status.projection.js';
import { writeCommandStates } from './write-command-status.js';

describeOnBothDatabases('command_status projection', (fixture) => {
  const skipped: string[] = [];
  const context = { skipped: (_: unknown, reason: string) => void skipped.push(reason) };

  /** Applies events straight to the projection, as a replaying or reordering feed would. */
  const applyDirectly = async (commandId: string, revisions: number[]) => {
    // Read first: PGlite is one connection, busy for the whole transaction below.
    const stream = await fixture().eventStore.readStream(streamOf(commandId));
    const events = revisions.map((r) => stream[r]!);
    await fixture().driver.transaction((tx) => commandStatusProjection.apply(tx, events, context));
  };

  const rowOf = async (deviceId: string) => {
    const store = await fixture().open();
    return (await store.listCommands({ deviceId, limit: 5 })).items[0];
  };

  it('folds a stream into one row, as the lifecycle does', async () => {
    const writer = new CommandWriter(fixture().eventStore);
    const id = await writer.issue('dev-fold', seconds(0), { payload: { rpm: 7 } });
    await writer.at(id, 'CommandSent', seconds(1));
    await writer.at(id, 'CommandAcknowledged', seconds(2));
    await writer.record(id, {
      type: 'CommandExecuted',
      data: { at: seconds(3).toISOString(), output: { ok: 1 } },
    });
    const store = await fixture().open();
    await store.catchUp();
    const [row] = (await store.listCommands({ deviceId: 'dev-fold', limit: 10 })).items;
    expect(row?.state).toMatchObject({
      commandId: id,
      deviceId: 'dev-fold',
      payload: { rpm: 7 },
      status: 'executed',
      revision: 3n,
      sentAt: seconds(1).toISOString(),
      acknowledgedAt: seconds(2).toISOString(),
      completedAt: seconds(3).toISOString(),
      result: { ok: 1 },
    });
    expect(row?.retriedBy).toBeNull();
  });

  it('a replayed or reordered event never moves a row backwards', async () => {
    const writer = new CommandWriter(fixture().eventStore);
    const id = await writer.issue('dev-replay', seconds(0));
    await writer.at(id, 'CommandSent', seconds(1));
    await writer.at(id, 'CommandAcknowledged', seconds(2));
    await applyDirectly(id, [0, 1, 2]);
    await applyDirectly(id, [1]);
    await applyDirectly(id, [0, 2, 1]);
    const row = await rowOf('dev-replay');
    expect(row?.state).toMatchObject({ status: 'acknowledged', revision: 2n });
    expect(row?.state.sentAt).toBe(seconds(1).toISOString());
    expect(skipped).toEqual([]);
  });

  it('a later event seen before an earlier one wins; the earlier one is then stale', async () => {
    const writer = new CommandWriter(fixture().eventStore);
    const id = await writer.issue('dev-gap', seconds(0));
    await writer.at(id, 'CommandSent', seconds(1));
    await writer.at(id, 'CommandAcknowledged', seconds(2));
    await applyDirectly(id, [0]);
    await applyDirectly(id, [2]); // acknowledged while requested: the table allows it
    await applyDirectly(id, [1]); // the sent event arrives late: below the row's revision
    expect((await rowOf('dev-gap'))?.state).toMatchObject({ status: 'acknowledged', revision: 2n });
  });

  it('skips an event the transition table refuses, and goes on', async () => {
    const writer = new CommandWriter(fixture().eventStore);
    const id = await writer.issue('dev-corrupt', seconds(0));
    await writer.record(id, {
      type: 'CommandCancelled',
      data: { at: seconds(1).toISOString(), reason: null },
    });
    await writer.at(id, 'CommandSent', seconds(2)); // the store accepts anything: a corrupt stream
    await applyDirectly(id, [0, 1, 2]);
    expect((await rowOf('dev-corrupt'))?.state).toMatchObject({
      status: 'cancelled',
      revision: 1n,
    });
    expect(skipped.splice(0)).toEqual([
      'CommandSent at revision 2 cannot follow cancelled at revision 1',
    ]);
  });

  it('the upsert itself refuses a lower revision (a writer working from an old read)', async () => {
    const writer = new CommandWriter(fixture().eventStore);
    const id = await writer.issue('dev-stale-write', seconds(0));
    await writer.at(id, 'CommandSent', seconds(1));
    await applyDirectly(id, [0, 1]);
    const sent = (await rowOf('dev-stale-write'))!.state;
    await fixture().driver.transaction((tx) =>
      writeCommandStates(tx, [{ ...sent, status: 'requested', sentAt: null, revision: 0n }]),
    );
    expect((await rowOf('dev-stale-write'))?.state).toMatchObject({ status: 'sent', revision: 1n });
  });

  it('links a retry to the attempt it retries', async () => {
    const writer = new CommandWriter(fixture().eventStore);
    const first = await writer.issue('dev-retry', seconds(0));
    await writer.record(first, {
      type: 'CommandFailed',
      data: { at: seconds(1).toISOString(), error: 'jam' },
    });
    const second = await writer.issue('dev-retry', seconds(2), {
      attempt: 2,
      retryOf: first,
      rootCommandId: first,
    });
    const store = await fixture().open();
    await store.catchUp();
    const items = (await store.listCommands({ deviceId: 'dev-retry', limit: 10 })).items;
    expect(items.map((c) => [c.state.commandId, c.state.attempt, c.retriedBy])).toEqual([
      [second, 2, null],
      [first, 1, second],
    ]);
  });

  it('keeps the next deadline of open commands for a sweeper, and none for ended ones', async () => {
    const writer = new CommandWriter(fixture().eventStore);
    const open = await writer.issue('dev-due', seconds(0), { expiresInMs: 5_000 });
    const sent = await writer.issue('dev-due', seconds(0), { ackTimeoutMs: 2_000 });
    await writer.at(sent, 'CommandSent', seconds(1));
    const ended = await writer.issue('dev-due', seconds(0), { expiresInMs: 1_000 });
    await writer.at(ended, 'CommandExpired', seconds(1));
    const store = await fixture().open();
    await store.catchUp();
    const due = (await store.findDueCommands(new Date(T0 + 10_000), 1000)).filter((d) =>
      [open, sent, ended].includes(d.commandId),
    );
    expect(due.map((d) => [d.commandId, d.status, d.nextDeadline.getTime() - T0])).toEqual([
      [sent, 'sent', 3_000],
      [open, 'requested', 5_000],
    ]);
    const early = await store.findDueCommands(new Date(T0 + 4_000), 1000);
    expect(early.map((d) => d.commandId)).toContain(sent);
    expect(early.map((d) => d.commandId)).not.toContain(open);
  });

  it('finds what a sweeper redispatches and retries', async () => {
    const writer = new CommandWriter(fixture().eventStore);
    const stuck = await writer.issue('dev-sweep', seconds(-100));
    const fresh = await writer.issue('dev-sweep', seconds(100));
    const retry = { maxAttempts: 2, on: ['failed' as const] };
    const owed = await writer.issue('dev-sweep', seconds(-99), { retry });
    await writer.record(owed, {
      type: 'CommandFailed',
      data: { at: seconds(-98).toISOString(), error: 'jam' },
    });
    const retried = await writer.issue('dev-sweep', seconds(-97), { retry });
    await writer.record(retried, {
      type: 'CommandFailed',
      data: { at: seconds(-96).toISOString(), error: 'jam' },
    });
    await writer.issue('dev-sweep', seconds(-95), { attempt: 2, retryOf: retried, retry });
    const notRetried = await writer.issue('dev-sweep', seconds(-94)); // policy: no retries
    await writer.record(notRetried, {
      type: 'CommandFailed',
      data: { at: seconds(-93).toISOString(), error: 'jam' },
    });
    const store = await fixture().open();
    await store.catchUp();
    const undispatched = await store.findUndispatched(seconds(0), 1000);
    expect(undispatched).toContain(stuck);
    expect(undispatched).not.toContain(fresh);
    const due = await store.findRetryDue(1000);
    expect(due).toContain(owed);
    expect(due).not.toContain(retried);
    expect(due).not.toContain(notRetried);
  });
});
