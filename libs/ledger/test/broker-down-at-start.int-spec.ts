import { afterAll, describe, expect, it } from '@jest/globals';
import type { INestApplicationContext } from '@nestjs/common';
import { CommandBus, CqrsModule } from '@nestjs/cqrs';
import { Test } from '@nestjs/testing';
import { createServer } from 'node:net';
import mqtt from 'mqtt';
import { CommandAwaiter, IssueCommand, MqttGateway, RatchetModule } from '@ratchet/ledger';
import { type EmbeddedBroker, startEmbeddedBroker } from '@ratchet/mqtt';

/** A port nothing listens on (taken, then released). */
const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

describe('a broker that is down at start', () => {
  let app: INestApplicationContext | undefined;
  let broker: EmbeddedBroker | undefined;
  let device: mqtt.MqttClient | undefined;
  afterAll(async () => {
    await device?.endAsync();
    await app?.close();
    await broker?.close();
  });

  it('does not block the start; readiness says so; the command waits in requested and goes out when the broker comes', async () => {
    const port = await freePort();
    const moduleRef = await Test.createTestingModule({
      imports: [
        CqrsModule.forRoot(),
        RatchetModule.forRoot({
          store: 'pglite',
          mqttUrl: `mqtt://127.0.0.1:${port}`,
          sweep: { intervalMs: 100, redispatchAfterMs: 300 },
        }),
      ],
    }).compile();
    moduleRef.useLogger(false);
    const t0 = Date.now();
    app = await moduleRef.init();
    expect(Date.now() - t0).toBeLessThan(3_000); // the store opens; the broker is not waited for
    const gateway = app.get(MqttGateway);
    expect(gateway.connected).toBe(false);

    const { command } = await app
      .get(CommandBus)
      .execute(new IssueCommand({ deviceId: 'pump-1', name: 'start' }));
    expect(command.status).toBe('requested');

    broker = await startEmbeddedBroker({ port });
    device = await mqtt.connectAsync(broker.url, { clientId: 'pump-1' });
    await device.subscribeAsync('devices/pump-1/commands/+', { qos: 1 });
    device.on('message', (topic) => {
      void device!.publishAsync(`${topic}/ack`, '{}', { qos: 1 });
      void device!.publishAsync(`${topic}/result`, '{"status":"executed"}', { qos: 1 });
    });
    const done = await app
      .get(CommandAwaiter)
      .awaitCommand(command.commandId, { timeoutMs: 20_000 });
    expect(done.status).toBe('executed');
    expect(gateway.connected).toBe(true);
  });
});
