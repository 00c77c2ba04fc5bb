import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Injectable, Module, type INestApplicationContext } from '@nestjs/common';
import { CommandBus, CqrsModule, EventsHandler, type IEventHandler } from '@nestjs/cqrs';
import { Test } from '@nestjs/testing';
import {
  CommandAwaiter,
  CommandExecuted,
  GetCommandQuery,
  IssueCommand,
  RatchetModule,
} from '@ratchet/ledger';
import { FakeDevices, RatchetTestingModule } from '@ratchet/ledger/testing';
import { QueryBus } from '@nestjs/cqrs';

const executed: string[] = [];

@EventsHandler(CommandExecuted)
class Audit implements IEventHandler<CommandExecuted> {
  handle(e: CommandExecuted): void {
    executed.push(e.commandId);
  }
}

@Injectable()
class Pumps {
  constructor(
    private readonly bus: CommandBus,
    private readonly awaiter: CommandAwaiter,
  ) {}
  async start(pumpId: string) {
    const { command } = await this.bus.execute(
      new IssueCommand({ deviceId: pumpId, name: 'start' }),
    );
    return this.awaiter.awaitCommand(command.commandId, { timeoutMs: 2_000 });
  }
}

/** The host's real module: PostgreSQL and a broker it cannot reach in a test. */
@Module({
  imports: [
    CqrsModule.forRoot(),
    RatchetModule.forRootAsync({
      useFactory: () => ({
        databaseUrl: 'postgres://nowhere.invalid/db',
        mqttUrl: 'mqtt://nowhere.invalid',
        subscription: 'audit',
      }),
    }),
  ],
  providers: [Pumps, Audit],
})
class HostModule {}

describe('@ratchet/ledger/testing: the host module in a test, with PGlite in memory and fake devices', () => {
  let app: INestApplicationContext;
  let devices: FakeDevices;
  beforeAll(async () => {
    const ratchet = RatchetTestingModule.options({ subscription: 'audit' });
    const moduleRef = await Test.createTestingModule({ imports: [HostModule] })
      .overrideProvider(ratchet.token)
      .useValue(ratchet.options)
      .compile();
    moduleRef.useLogger(false);
    app = await moduleRef.init();
    devices = ratchet.devices;
  });
  afterAll(() => app?.close());

  it('a device that executes: the host awaits it, its handler gets CommandExecuted, well under a second', async () => {
    devices.answer('pump-1', { status: 'executed', output: { rpm: 10 } });
    await app.get(Pumps).start('pump-0'); // the first wait starts the live reading of the log
    const t0 = Date.now();
    const done = await app.get(Pumps).start('pump-1');
    expect(Date.now() - t0).toBeLessThan(1_000); // no broker, no network: well under a second even on a loaded machine
    expect(done).toMatchObject({ status: 'executed', result: { rpm: 10 } });
    expect(devices.received('pump-1')).toMatchObject([
      { name: 'start', commandId: done.commandId },
    ]);
    const until = Date.now() + 2_000;
    while (!executed.includes(done.commandId) && Date.now() < until)
      await new Promise((r) => setTimeout(r, 5));
    expect(executed).toContain(done.commandId);
  });

  it('a device that fails, and one that stays silent', async () => {
    devices.answer('pump-2', { status: 'failed', error: 'jammed' });
    expect(await app.get(Pumps).start('pump-2')).toMatchObject({
      status: 'failed',
      error: 'jammed',
    });
    devices.answer('pump-3', 'silent');
    const { command } = await app
      .get(CommandBus)
      .execute(new IssueCommand({ deviceId: 'pump-3', name: 'start' }));
    // Sent (the fake received it), then nothing: no ack, no result.
    const sent = await app
      .get(CommandAwaiter)
      .awaitCommand(command.commandId, { until: ['sent'], timeoutMs: 2_000 });
    expect(sent.status).toBe('sent');
    await devices.settled();
    await new Promise((r) => setTimeout(r, 100));
    expect((await app.get(QueryBus).execute(new GetCommandQuery(command.commandId))).status).toBe(
      'sent',
    );
  });
});
