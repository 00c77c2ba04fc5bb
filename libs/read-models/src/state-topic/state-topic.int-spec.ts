/**
 * The state topic's outbox: a command whose state changed is pending (state_topic_pending) until
 * a publish of its newest revision was acknowledged; a failing broker keeps it pending, never
 * loses it. The claim reads only that table, so its cost follows what is pending, not how many
 * commands the ledger has seen.
 */
import { expect, it } from '@jest/globals';
import { CommandWriter, seconds } from '../../test/command-writer.js';
import { eventually } from '../../test/eventually.js';
import { describeOnBothDatabases } from '../../test/read-model-fixture.js';
import { type CommandStateMessage, stateTopicProjection } from './state-topic.projection.js';

const PENDING = {
  name: 'test_state_topic_pending',
  text: 'SELECT command_id FROM state_topic_pending ORDER BY command_id',
};

describeOnBothDatabases('state topic outbox', (fixture) => {
  it('keeps a changed command pending until its newest state is published, also across a broker outage', async () => {
    const { eventStore, driver } = fixture();
    const published: CommandStateMessage[] = [];
    let brokerUp = false;
    const store = await fixture().open();
    store.addProjection(
      stateTopicProjection(async (states) => {
        if (!brokerUp) throw new Error('broker unavailable (test)');
        published.push(...states);
      }),
    );
    const w = new CommandWriter(eventStore);
    const a = await w.issue('outbox-1', seconds(10));
    const b = await w.issue('outbox-2', seconds(11));
    await w.at(a, 'CommandSent', seconds(12));
    store.start();
    try {
      const pending = async () =>
        (await driver.query<{ command_id: string }>(PENDING, [])).map((r) => r.command_id);
      await eventually(async () => expect(await pending()).toEqual([a, b].sort()));
      expect(published).toEqual([]);

      brokerUp = true;
      await w.at(a, 'CommandAcknowledged', seconds(13));
      await eventually(async () => {
        expect(await pending()).toEqual([]);
        const newest = new Map(published.map((s) => [s.commandId, s]));
        expect(newest.get(a)).toMatchObject({ status: 'acknowledged', revision: 2n });
        expect(newest.get(b)).toMatchObject({ status: 'requested', revision: 0n });
      }, 15_000);
    } finally {
      await store.stop();
    }
  });
});
