import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplicationContext } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { Test } from '@nestjs/testing';
import { randomUUID } from 'node:crypto';
import { createPgliteEventStore } from '@ratchet/event-store';
import { AcknowledgeCommand, LedgerError, RecordCommandResult } from '@ratchet/ledger';
import { type EmbeddedBroker, startEmbeddedBroker } from '@ratchet/mqtt';
import mqtt from 'mqtt';
import { PumpAppModule } from './example-monolith/pump-app.module.js';
import { PumpControlService } from './example-monolith/pump-control.service.js';
import { eventually } from './support/ledger-harness.js';

describe('RatchetModule inside a NestJS monolith, on its own CQRS bus', () => {
  describe('without a broker: commands wait in requested', () => {
    let app: INestApplicationContext;
    let pumps: PumpControlService;
    let bus: CommandBus;
    beforeAll(async () => {
      const store = await createPgliteEventStore({ memory: true });
      const moduleRef = await Test.createTestingModule({
        imports: [PumpAppModule.withLedger(store)],
      }).compile();
      app = await moduleRef.init();
      pumps = app.get(PumpControlService);
      bus = app.get(CommandBus);
    });
    afterAll(() => app?.close());

    it('issues idempotently, cancels before send, and refuses a different body under the same key', async () => {
      const key = randomUUID();
      const id = await pumps.setSpeed('pump-9', 900, key);
      expect(id).toBe(key);
      expect(await pumps.setSpeed('pump-9', 900, key)).toBe(key);
      await expect(pumps.setSpeed('pump-9', 901, key)).rejects.toMatchObject({
        code: 'id_conflict',
      });
      expect((await pumps.status(id)).status).toBe('requested');
      expect((await pumps.cancel(id)).status).toBe('cancelled');
      expect((await pumps.cancel(id)).status).toBe('cancelled');
      expect((await pumps.history(id)).events.map((e: { type: string }) => e.type)).toEqual([
        'CommandRequested',
        'CommandCancelled',
      ]);
    });

    it('takes device input from the bus too: an ack, a result, and a late result after cancel', async () => {
      const id = await pumps.setSpeed('pump-8', 100);
      expect(await bus.execute(new AcknowledgeCommand(id, 'pump-8'))).toEqual({
        outcome: 'applied',
      });
      expect(await bus.execute(new AcknowledgeCommand(id, 'pump-8'))).toEqual({
        outcome: 'unchanged',
        reason: 'duplicate',
      });
      expect(await bus.execute(new AcknowledgeCommand(id, 'pump-7'))).toEqual({
        outcome: 'unchanged',
        reason: 'device_mismatch',
      });
      expect(
        await bus.execute(new RecordCommandResult(id, 'pump-8', 'executed', { rpm: 100 })),
      ).toEqual({
        outcome: 'applied',
      });
      expect(await pumps.status(id)).toMatchObject({
        status: 'executed',
        result: { rpm: 100 },
        revision: 2,
      });

      const late = await pumps.setSpeed('pump-8', 200);
      await pumps.cancel(late);
      expect(
        await bus.execute(new RecordCommandResult(late, 'pump-8', 'failed', undefined, 'too late')),
      ).toEqual({ outcome: 'applied' });
      expect(
        await bus.execute(new RecordCommandResult(late, 'pump-8', 'failed', undefined, 'too late')),
      ).toEqual({ outcome: 'unchanged', reason: 'duplicate' });
      expect(await pumps.status(late)).toMatchObject({
        status: 'cancelled',
        lateResult: { status: 'failed', error: 'too late' },
      });
    });

    it('rejects an invalid request with every problem named', async () => {
      const error = await pumps.setSpeed('not a device id!', 1).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(LedgerError);
      expect((error as LedgerError).code).toBe('invalid_request');
      expect((error as LedgerError).messages.join(' ')).toMatch(/deviceId/);
    });
  });

  describe('with a broker: the module dispatches intents and reads device answers', () => {
    let app: INestApplicationContext;
    let broker: EmbeddedBroker;
    beforeAll(async () => {
      broker = await startEmbeddedBroker({ port: 0 });
      const store = await createPgliteEventStore({ memory: true });
      const moduleRef = await Test.createTestingModule({
        imports: [PumpAppModule.withLedger(store, broker.url)],
      }).compile();
      app = await moduleRef.init();
    });
    afterAll(async () => {
      await app?.close();
      await broker?.close();
    });

    it('a device answering over MQTT completes a command issued on the bus', async () => {
      const device = await mqtt.connectAsync(broker.url);
      await device.subscribeAsync('devices/pump-5/commands/+', { qos: 1 });
      device.on('message', (topic) => {
        void device.publishAsync(`${topic}/ack`, '{}', { qos: 1 });
        void device.publishAsync(`${topic}/result`, '{"status":"executed","output":{"ok":true}}', {
          qos: 1,
        });
      });
      const pumps = app.get(PumpControlService);
      const id = await pumps.setSpeed('pump-5', 1500);
      const done = await eventually(async () => {
        const s = await pumps.status(id);
        return s.status === 'executed' ? s : undefined;
      }, 'executed');
      expect(done.result).toEqual({ ok: true });
      await device.endAsync(true);
    });
  });
});
