import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  Body,
  Controller,
  Get,
  type INestApplication,
  Param,
  Post,
  UseFilters,
} from '@nestjs/common';
import { CommandBus, CqrsModule, QueryBus } from '@nestjs/cqrs';
import { Test } from '@nestjs/testing';
import { randomUUID } from 'node:crypto';
import {
  CancelCommand,
  CommandIdConflictError,
  CommandNotCancellableError,
  CommandNotFoundError,
  GetCommandQuery,
  InvalidRequestError,
  IssueCommand,
  LedgerError,
  PayloadTooLargeError,
  RatchetExceptionFilter,
  RatchetModule,
  RecordCommandResult,
  AcknowledgeCommand,
  toCommandView,
} from '@ratchet/ledger';

/** A host's own controller: Ratchet's errors go through it untouched. */
@Controller('pumps')
@UseFilters(RatchetExceptionFilter)
class PumpsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}
  @Post()
  async issue(@Body() body: Record<string, unknown>) {
    const { command } = await this.commands.execute(new IssueCommand(body as never));
    return toCommandView(command, null);
  }
  @Get(':id')
  get(@Param('id') id: string) {
    return this.queries.execute(new GetCommandQuery(id));
  }
  @Post(':id/cancel')
  async cancel(@Param('id') id: string) {
    return toCommandView(await this.commands.execute(new CancelCommand(id)), null);
  }
  @Get('boom/now')
  boom() {
    throw new Error('not Ratchet');
  }
}

describe('typed errors with stable codes, and RatchetExceptionFilter on a host controller', () => {
  let app: INestApplication;
  let url: string;
  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        CqrsModule.forRoot(),
        RatchetModule.forRoot({ store: 'pglite', readModels: false }),
      ],
      controllers: [PumpsController],
    }).compile();
    moduleRef.useLogger(false);
    app = moduleRef.createNestApplication({ bodyParser: true });
    await app.listen(0, '127.0.0.1');
    url = await app.getUrl();
  });
  afterAll(() => app?.close());

  const bus = () => app.get(CommandBus);
  const post = (path: string, body?: unknown) =>
    fetch(`${url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  it('on the bus: one class per failure, each a LedgerError with its code', async () => {
    const cases: [() => Promise<unknown>, new (...a: never[]) => LedgerError, string][] = [
      [
        () => bus().execute(new IssueCommand({ deviceId: 'no spaces!', name: 'x' })),
        InvalidRequestError,
        'invalid_request',
      ],
      [
        () =>
          bus().execute(
            new IssueCommand({ deviceId: 'p-1', name: 'x', payload: { s: 'x'.repeat(70_000) } }),
          ),
        PayloadTooLargeError,
        'payload_too_large',
      ],
      [
        () => app.get(QueryBus).execute(new GetCommandQuery(randomUUID())),
        CommandNotFoundError,
        'not_found',
      ],
      [() => bus().execute(new CancelCommand(randomUUID())), CommandNotFoundError, 'not_found'],
    ];
    for (const [run, type, code] of cases) {
      const error = await run().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(type);
      expect(error).toBeInstanceOf(LedgerError);
      expect(error).toMatchObject({ code, name: type.name });
    }
    const commandId = randomUUID();
    await bus().execute(new IssueCommand({ commandId, deviceId: 'p-1', name: 'a' }));
    const conflict = await bus()
      .execute(new IssueCommand({ commandId, deviceId: 'p-1', name: 'b' }))
      .catch((e: unknown) => e);
    expect(conflict).toBeInstanceOf(CommandIdConflictError);
    expect((conflict as CommandIdConflictError).state?.commandId).toBe(commandId);
    await bus().execute(new AcknowledgeCommand(commandId, 'p-1'));
    await bus().execute(new RecordCommandResult(commandId, 'p-1', 'executed'));
    const late = await bus()
      .execute(new CancelCommand(commandId))
      .catch((e: unknown) => e);
    expect(late).toBeInstanceOf(CommandNotCancellableError);
    expect((late as LedgerError).code).toBe('not_cancellable');
  });

  it('through the host controller: the statuses and body of CONTRACT.md section 2', async () => {
    const bad = await post('/pumps', { deviceId: 'no spaces!', name: 'x' });
    expect(bad.status).toBe(400);
    const badBody = (await bad.json()) as { message: string[] };
    expect(badBody).toMatchObject({ statusCode: 400, error: 'Bad Request' });
    expect(badBody.message.join(' ')).toMatch(/deviceId/);

    const large = await post('/pumps', {
      deviceId: 'p-2',
      name: 'x',
      payload: { s: 'x'.repeat(70_000) },
    });
    expect(large.status).toBe(413);

    const missing = await fetch(`${url}/pumps/${randomUUID()}`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ statusCode: 404, error: 'Not Found' });

    const commandId = randomUUID();
    expect((await post('/pumps', { commandId, deviceId: 'p-2', name: 'a' })).status).toBe(201);
    const conflict = await post('/pumps', { commandId, deviceId: 'p-2', name: 'b' });
    expect(conflict.status).toBe(409);
    expect(await conflict.json()).toMatchObject({
      statusCode: 409,
      error: 'Conflict',
      command: { commandId, name: 'a', status: 'requested' },
    });
    expect((await post(`/pumps/${commandId}/cancel`)).status).toBe(201);
    const again = await post(`/pumps/${commandId}/cancel`);
    expect(again.status).toBe(201); // cancelling a cancelled command is a repeat, not an error
  });

  it('leaves every other error to the host (Nest answers 500 as usual)', async () => {
    const res = await fetch(`${url}/pumps/boom/now`);
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ statusCode: 500, message: 'Internal server error' });
  });
});
