import { describe, expect, it } from '@jest/globals';
import type { ContractContext } from './fixture.js';
import {
  isAscending,
  newEvent,
  newEvents,
  readAllEventually,
  Receiver,
  sleep,
  TIMEOUT,
  unique,
} from './helpers.js';

export const subscribeCases = ({ store, fixture, capabilities }: ContractContext): void => {
  describe('subscribeToAll', () => {
    it('catches up, then delivers live appends, in order', async () => {
      const prefix = unique('sub-live');
      await store().append(`${prefix}-a`, newEvents(3), 'no_stream');
      const subscription = store().subscribeToAll({ streamPrefix: prefix });
      const receiver = new Receiver(subscription);
      const caughtUp = await receiver.take(3);
      expect(caughtUp.map((e) => e.revision)).toEqual([0n, 1n, 2n]);

      await store().append(`${prefix}-b`, newEvents(2), 'no_stream');
      await store().append(`${prefix}-a`, [newEvent()], 2n);
      const live = await receiver.take(3);
      expect(live.map((e) => `${e.stream.slice(-1)}${e.revision}`)).toEqual(['b0', 'b1', 'a3']);
      expect(isAscending([...caughtUp, ...live].map((e) => e.position))).toBe(true);
      expect(await receiver.next(200)).toBe(TIMEOUT);
      await subscription.close();
      expect(await receiver.next(1000)).toBe('done');
    });

    it('starts strictly after a checkpoint', async () => {
      const prefix = unique('sub-after');
      await store().append(`${prefix}-a`, newEvents(3), 'no_stream');
      const [, second, third] = await readAllEventually(store(), { streamPrefix: prefix }, 3);
      const subscription = store().subscribeToAll({ after: second.position, streamPrefix: prefix });
      const receiver = new Receiver(subscription);
      expect((await receiver.take(1))[0].id).toBe(third.id);
      expect(await receiver.next(200)).toBe(TIMEOUT);
      await subscription.close();
    });

    it('delivers each event of concurrent writers once, in order', async () => {
      const prefix = unique('sub-concurrent');
      const subscription = store().subscribeToAll({ streamPrefix: prefix });
      const receiver = new Receiver(subscription);
      const writers = 8;
      const appendsEach = 10;
      const writing = Promise.all(
        Array.from({ length: writers }, async (_, w) => {
          let expected: bigint | 'no_stream' = 'no_stream';
          for (let i = 0; i < appendsEach; i += 1) {
            expected = (await store().append(`${prefix}-${w}`, [newEvent()], expected))
              .nextExpectedRevision;
          }
        }),
      );
      const received = await receiver.take(writers * appendsEach, 20_000);
      await writing;
      expect(new Set(received.map((e) => e.id)).size).toBe(writers * appendsEach);
      expect(isAscending(received.map((e) => e.position))).toBe(true);
      expect(await receiver.next(300)).toBe(TIMEOUT);
      await subscription.close();
    });

    it('reaches a matching event behind many events of other streams', async () => {
      const prefix = unique('sub-sparse');
      const subscription = store().subscribeToAll({ streamPrefix: prefix });
      const receiver = new Receiver(subscription);
      await store().append(`${prefix}-a`, [newEvent()], 'no_stream');
      expect(await receiver.take(1)).toHaveLength(1);
      const others = unique('sub-other');
      for (let i = 0; i < 20; i += 1)
        await store().append(`${others}-${i}`, newEvents(5), 'no_stream');
      const wanted = newEvent();
      await store().append(`${prefix}-a`, [wanted], 0n);
      expect((await receiver.take(1))[0].id).toBe(wanted.id);
      expect(await receiver.next(200)).toBe(TIMEOUT);
      await subscription.close();
    });

    it('ends a waiting for-await loop cleanly on close', async () => {
      const subscription = store().subscribeToAll({ streamPrefix: unique('sub-close') });
      let received = 0;
      const loop = (async () => {
        for await (const _event of subscription) received += 1;
        return 'ended';
      })();
      await sleep(50);
      await subscription.close();
      await expect(loop).resolves.toBe('ended');
      expect(received).toBe(0);
    });

    const lateCommit = capabilities.canForceLateCommit ? it : it.skip;
    const reason = capabilities.lateCommitSkipReason
      ? ` (skipped: ${capabilities.lateCommitSkipReason})`
      : '';
    lateCommit(
      `delivers a lower position that commits after a higher one, in order, once${reason}`,
      async () => {
        const begin = fixture().beginLateCommit;
        if (!begin) throw new Error('canForceLateCommit needs fixture.beginLateCommit');
        const prefix = unique('sub-late');
        const subscription = store().subscribeToAll({ streamPrefix: prefix });
        const receiver = new Receiver(subscription);
        const early = newEvent('Early');
        const late = newEvent('Late');

        const held = await begin(`${prefix}-a`, early); // takes the lower position, commits last
        try {
          await store().append(`${prefix}-b`, [late], 'no_stream');
          // Delivering the later event now would move the checkpoint past the held one.
          expect(await receiver.next(300)).toBe(TIMEOUT);
          expect(await store().readAll({ streamPrefix: prefix })).toEqual([]);
        } finally {
          await held.commit();
        }

        const received = await receiver.take(2);
        expect(received.map((e) => e.id)).toEqual([early.id, late.id]);
        expect(received[0].position < received[1].position).toBe(true);
        expect(await receiver.next(300)).toBe(TIMEOUT);
        await subscription.close();
      },
    );

    lateCommit(
      `settled() waits for a transaction still open at the call, then readAll sees all committed before it${reason}`,
      async () => {
        const begin = fixture().beginLateCommit;
        if (!begin) throw new Error('canForceLateCommit needs fixture.beginLateCommit');
        const prefix = unique('settled');
        const early = newEvent('Early');
        const late = newEvent('Late');
        const held = await begin(`${prefix}-a`, early);
        let settledAt: 'before commit' | 'after commit' | null = null;
        let committed = false;
        await store().append(`${prefix}-b`, [late], 'no_stream');
        const settling = store()
          .settled()
          .then(() => {
            settledAt = committed ? 'after commit' : 'before commit';
          });
        await sleep(300);
        expect(settledAt).toBeNull();
        committed = true;
        await held.commit();
        await settling;
        expect(settledAt).toBe('after commit');
        const read = await store().readAll({ streamPrefix: prefix });
        expect(read.map((e) => e.id)).toEqual([early.id, late.id]);
      },
    );

    it('settled() resolves at once when no transaction is open', async () => {
      const prefix = unique('settled-idle');
      const event = newEvent('Alone');
      await store().append(`${prefix}-a`, [event], 'no_stream');
      await store().settled();
      expect((await store().readAll({ streamPrefix: prefix })).map((e) => e.id)).toEqual([
        event.id,
      ]);
    });
  });
};
