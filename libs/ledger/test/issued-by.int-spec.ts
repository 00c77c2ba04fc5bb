/**
 * `metadata.issuedBy` on the host's bus (CONTRACT.md sections 2 and 7): a host passes its own
 * principal with IssueCommand / CancelCommand and it is recorded as the HTTP API records a
 * credential's name; without one the caller is `anonymous`; a device's answer names the device;
 * what the ledger does by itself (expiry by the sweeper) is `system`. Over a real PGlite.
 */
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplicationContext } from '@nestjs/common';
import { CommandBus, CqrsModule, QueryBus } from '@nestjs/cqrs';
import { Test } from '@nestjs/testing';
import { createPgliteEventStore, type EventStore } from '@ratchet/event-store';
import {
  AcknowledgeCommand,
  CancelCommand,
  IssueCommand,
  LedgerError,
  ListCommandsQuery,
  RatchetModule,
} from '@ratchet/ledger';
import { createPgliteReadModelStore } from '@ratchet/read-models';
import { randomUUID } from 'node:crypto';
import { eventually } from './ledger-instances.js';


describe('issuedBy on the bus', () => {
  let pglite: PGlite;
  let eventStore: EventStore;
  let app: INestApplicationContext;
  let commands: CommandBus;
  let queries: QueryBus;

  beforeAll(async () => {
    pglite = await PGlite.create();
    eventStore = await createPgliteEventStore({ pglite, pollIntervalMs: 20 });
    const readModels = await createPgliteReadModelStore({ pglite, eventStore });
    const moduleRef = await Test.createTestingModule({
      imports: [
        CqrsModule.forRoot(),
        // No broker: commands stay `requested`, which a cancel and an expiry need.
        RatchetModule.forRoot({
          eventStore,
          readModels,
          ownsReadModels: true,
          sweep: { intervalMs: 50, redispatchAfterMs: 60_000 },
        }),
      ],
    }).compile();
    app = await moduleRef.init();
    commands = app.get(CommandBus);
    queries = app.get(QueryBus);
  });
  afterAll(async () => {
    await app?.close();
    await eventStore?.close();
    await pglite?.close();
  });

  const issuers = async (commandId: string) =>
    (await eventStore.readStream(`command-${commandId}`)).map((e) => [
      e.type,
      e.metadata?.issuedBy,
    ]);
  const issue = (deviceId: string, issuedBy?: string, extra: Record<string, unknown> = {}) =>
    commands.execute(
      new IssueCommand(
        { deviceId, name: 'unlock', payload: {}, ...extra },
        issuedBy === undefined ? {} : { issuedBy },
      ),
    );

  it("records the host's principal, the canceller's, and the device that answered", async () => {
    const { command } = await issue('lock-17', 'alice@frontdesk');
    await commands.execute(new AcknowledgeCommand(command.commandId, 'lock-17'));
    const other = await issue('lock-18', 'alice@frontdesk');
    await commands.execute(
      new CancelCommand(other.command.commandId, 'wrong door', { issuedBy: 'bob' }),
    );
    expect(await issuers(command.commandId)).toEqual([
      ['CommandRequested', 'alice@frontdesk'],
      ['CommandAcknowledged', 'device:lock-17'],
    ]);
    expect(await issuers(other.command.commandId)).toEqual([
      ['CommandRequested', 'alice@frontdesk'],
      ['CommandCancelled', 'bob'],
    ]);
  });

  it('says anonymous without a principal, and system for what the ledger does by itself', async () => {
    const { command } = await issue('lock-19', undefined, { expiresInMs: 1 });
    await eventually(async () =>
      expect(await issuers(command.commandId)).toEqual([
        ['CommandRequested', 'anonymous'],
        ['CommandExpired', 'system'],
      ]),
    );
  });

  it('refuses an empty or multi-line principal, naming it', async () => {
    for (const bad of ['', 'alice\nadmin', 'x'.repeat(201)]) {
      const refused = await issue(`lock-${randomUUID().slice(0, 6)}`, bad).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(LedgerError);
      expect((refused as LedgerError).messages).toEqual([
        expect.stringMatching(/^issuedBy must be a non-empty string/),
      ]);
    }
  });

  it('lists the commands of one issuer (ListCommandsQuery issuedBy)', async () => {
    const mine = await issue('lock-20', 'carol');
    await issue('lock-20', 'dave');
    const list = await eventually(async () => {
      const page = await queries.execute(new ListCommandsQuery({ issuedBy: 'carol' }));
      expect(page.items).toHaveLength(1);
      return page;
    });
    expect(list.items.map((c) => c.commandId)).toEqual([mine.command.commandId]);
  });
});
