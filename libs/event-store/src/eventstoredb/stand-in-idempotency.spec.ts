/**
 * The in-memory STAND-IN for the EventStoreDB client (not a server) must model the server's
 * documented idempotency rules, or the contract suite run over it proves nothing about them:
 * the adapter once let two concurrent creations of one command both succeed on a real server
 * while passing against a stand-in without these rules.
 */
import { describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { ANY, NO_STREAM, WrongExpectedVersionError, jsonEvent } from '@eventstore/db-client';
import { InMemoryEsdbClient } from './testing/in-memory-esdb-client.js';

const events = (n: number) =>
  Array.from({ length: n }, (_, i) => jsonEvent({ id: randomUUID(), type: 'T', data: { i } }));
const length = (client: InMemoryEsdbClient, stream: string) =>
  client.log.filter((s) => s.event.streamId === stream).length;

describe('EventStoreDB client stand-in (not a server): the server idempotency rules', () => {
  it('same ids at the same exact revision: success without a write', async () => {
    const client = new InMemoryEsdbClient();
    await client.appendToStream('s', events(1), { expectedRevision: NO_STREAM });
    const batch = events(2);
    await client.appendToStream('s', batch, { expectedRevision: 0n });
    const again = await client.appendToStream('s', batch, { expectedRevision: 0n });
    expect(again).toMatchObject({ success: true, nextExpectedRevision: 2n });
    expect(length(client, 's')).toBe(3);
  });

  it('same ids at no_stream: success without a write', async () => {
    const client = new InMemoryEsdbClient();
    const batch = events(1);
    await client.appendToStream('s', batch, { expectedRevision: NO_STREAM });
    await expect(
      client.appendToStream('s', batch, { expectedRevision: NO_STREAM }),
    ).resolves.toMatchObject({ success: true, nextExpectedRevision: 0n });
    expect(length(client, 's')).toBe(1);
  });

  it('same ids at any: success without a write; new ids at any: written', async () => {
    const client = new InMemoryEsdbClient();
    const batch = events(2);
    await client.appendToStream('s', batch, { expectedRevision: ANY });
    await client.appendToStream('s', batch, { expectedRevision: ANY });
    expect(length(client, 's')).toBe(2);
    await client.appendToStream('s', events(1), { expectedRevision: ANY });
    expect(length(client, 's')).toBe(3);
  });

  it('same ids at another revision: written again (the server only checks at the same one)', async () => {
    const client = new InMemoryEsdbClient();
    const batch = events(1);
    await client.appendToStream('s', batch, { expectedRevision: NO_STREAM });
    await client.appendToStream('s', batch, { expectedRevision: 0n });
    expect(length(client, 's')).toBe(2);
  });

  it('other ids behind the head, or some of the ids only: wrong expected version', async () => {
    const client = new InMemoryEsdbClient();
    const batch = events(2);
    await client.appendToStream('s', batch, { expectedRevision: NO_STREAM });
    await expect(
      client.appendToStream('s', events(1), { expectedRevision: NO_STREAM }),
    ).rejects.toBeInstanceOf(WrongExpectedVersionError);
    await expect(
      client.appendToStream('s', [batch[0]!, ...events(1)], { expectedRevision: NO_STREAM }),
    ).rejects.toBeInstanceOf(WrongExpectedVersionError);
    expect(length(client, 's')).toBe(2);
  });
});
