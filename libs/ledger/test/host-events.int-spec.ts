import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Injectable, type INestApplicationContext } from '@nestjs/common';
import { CommandBus, CqrsModule, EventsHandler, type IEventHandler } from '@nestjs/cqrs';
import { Test } from '@nestjs/testing';
import { PGlite } from '@electric-sql/pglite';
import {
  AcknowledgeCommand,
  AwaitCommandTimeoutError,
  CommandAwaiter,
  CommandExecuted,
  CommandFailed,
  CommandRequested,
  IssueCommand,
  RatchetModule,
  RecordCommandResult,
  type RatchetCommandEvent,
} from '@ratchet/ledger';

/** What the host's handler saw, across application restarts. */
const seen: RatchetCommandEvent[] = [];
/** Devices whose CommandExecuted the handler fails once (to prove redelivery). */
const failOnce = new Set<string>();

@EventsHandler(CommandRequested, CommandExecuted, CommandFailed)
@Injectable()
class BillingHandler implements IEventHandler<RatchetCommandEvent> {
  async handle(event: RatchetCommandEvent): Promise<void> {
    await new Promise((r) => setTimeout(r, 2)); // an async handler: awaited before the next event
    if (event.type === 'CommandExecuted' && failOnce.delete(event.deviceId))
      throw new Error('billing database unavailable');
    seen.push(event);
  }
}

const eventually = async (check: () => boolean, ms = 10_000): Promise<void> => {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error('not within time');
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('durable command events on the host EventBus, and awaitCommand', () => {
  let pglite: PGlite;
  let app: INestApplicationContext | null = null;
  const start = async (subscription?: string) => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        CqrsModule.forRoot(),
        RatchetModule.forRoot({ pglite, ...(subscription ? { subscription } : {}) }),
      ],
      providers: [BillingHandler],
    }).compile();
    moduleRef.useLogger(false);
    app = await moduleRef.init();
    return app;
  };
  const execute = async (deviceId: string, status: 'executed' | 'failed' = 'executed') => {
    const bus = app!.get(CommandBus);
    const { command } = await bus.execute(new IssueCommand({ deviceId, name: 'bill' }));
    await bus.execute(new AcknowledgeCommand(command.commandId, deviceId));
    await bus.execute(
      new RecordCommandResult(
        command.commandId,
        deviceId,
        status,
        { n: 1 },
        status === 'failed' ? 'jammed' : undefined,
      ),
    );
    return command.commandId as string;
  };

  beforeAll(async () => {
    pglite = await PGlite.create();
  });
  afterAll(async () => {
    await app?.close();
    await pglite.close();
  });

  it('publishes nothing when no subscription is configured', async () => {
    await start();
    await execute('meter-0');
    await new Promise((r) => setTimeout(r, 300));
    expect(seen).toEqual([]);
    await app!.close();
  });

  it('delivers every command event of the log in order, as its class, with commandId, deviceId, revision, position and data', async () => {
    await start('billing');
    const a = await execute('meter-1');
    const b = await execute('meter-2', 'failed');
    // The first application's command (before any subscription existed) comes too: from the start.
    await eventually(() => seen.filter((e) => e.type !== 'CommandRequested').length === 3);
    // Positions are fixed-width: their string order is the log's order.
    const positions = seen.map((e) => e.position);
    expect([...positions].sort()).toEqual(positions);
    expect(new Set(positions).size).toBe(positions.length);
    const executedA = seen.find((e) => e.commandId === a && e.type === 'CommandExecuted');
    expect(executedA).toBeInstanceOf(CommandExecuted);
    expect(executedA).toMatchObject({
      commandId: a,
      deviceId: 'meter-1',
      revision: 2,
      data: { output: { n: 1 } },
      subscription: 'billing',
    });
    expect(seen.find((e) => e.commandId === b && e.type === 'CommandFailed')).toBeInstanceOf(
      CommandFailed,
    );
    expect(seen.filter((e) => e instanceof CommandRequested)).toHaveLength(3);
  });

  it('resumes after a restart where it stopped: nothing delivered twice, nothing skipped', async () => {
    await app!.close();
    const before = seen.length;
    // Appended while no subscriber runs.
    await start();
    const during = await execute('meter-3');
    await app!.close();
    await start('billing');
    await eventually(() =>
      seen.some((e) => e.commandId === during && e.type === 'CommandExecuted'),
    );
    await new Promise((r) => setTimeout(r, 200));
    const after = seen.slice(before);
    expect(after.map((e) => e.type)).toEqual(['CommandRequested', 'CommandExecuted']);
    expect(new Set(seen.map((e) => e.eventId)).size).toBe(seen.length);
  });

  it('a handler that throws gets the event again, and later events wait for it', async () => {
    failOnce.add('meter-4');
    const original = seen.length;
    const first = await execute('meter-4');
    const next = await execute('meter-5');
    await eventually(
      () => seen.some((e) => e.commandId === next && e.type === 'CommandExecuted'),
      15_000,
    );
    expect(failOnce.size).toBe(0); // it did fail once
    const tail = seen
      .slice(original)
      .map((e) => `${e.commandId === first ? 'first' : 'next'}:${e.type}`);
    expect(tail).toEqual([
      'first:CommandRequested',
      'first:CommandExecuted',
      'next:CommandRequested',
      'next:CommandExecuted',
    ]);
  });

  it('awaitCommand: at once when already there, when it gets there, or a timeout naming the status', async () => {
    const awaiter = app!.get(CommandAwaiter);
    const done = await execute('meter-6');
    const t0 = Date.now();
    expect(await awaiter.awaitCommand(done)).toMatchObject({ commandId: done, status: 'executed' });
    expect(Date.now() - t0).toBeLessThan(500);

    const bus = app!.get(CommandBus);
    const { command } = await bus.execute(new IssueCommand({ deviceId: 'meter-7', name: 'bill' }));
    const id = command.commandId as string;
    const acked = awaiter.awaitCommand(id, { until: ['acknowledged'], timeoutMs: 5_000 });
    const terminal = awaiter.awaitCommand(id, { timeoutMs: 5_000 });
    await bus.execute(new AcknowledgeCommand(id, 'meter-7'));
    expect(await acked).toMatchObject({ status: 'acknowledged' });
    await bus.execute(new RecordCommandResult(id, 'meter-7', 'executed'));
    expect(await terminal).toMatchObject({ status: 'executed' });

    const { command: idle } = await bus.execute(
      new IssueCommand({ deviceId: 'meter-8', name: 'x' }),
    );
    const error = await awaiter
      .awaitCommand(idle.commandId, { timeoutMs: 100 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwaitCommandTimeoutError);
    expect((error as AwaitCommandTimeoutError).command.status).toBe('requested');
  });
});
