/**
 * /health/live and /health/ready (CONTRACT.md section 2) on @nestjs/terminus: their bodies,
 * readiness following the broker down and back, and what the OpenAPI document says of them.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type EmbeddedBroker, startEmbeddedBroker } from '@ratchet/mqtt';
import { type TestLedger, eventually, startTestLedger } from './support/ledger-harness.js';

describe('health endpoints', () => {
  let ledger: TestLedger;
  let replacement: EmbeddedBroker | null = null;

  beforeAll(async () => {
    ledger = await startTestLedger();
  });
  afterAll(async () => {
    await ledger?.stop();
    await replacement?.close();
  });

  it('live is up; ready names each dependency and reports the projections’ lag', async () => {
    const live = await ledger.http('GET', '/health/live');
    expect([live.status, live.body]).toEqual([200, { status: 'up' }]);
    const ready = await ledger.http('GET', '/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({
      status: 'up',
      checks: { store: 'up', broker: 'up', projections: 'up' },
      details: {
        store: { status: 'up' },
        broker: { status: 'up' },
        projections: {
          status: 'up',
          lag: { command_status: { events: expect.any(Number), ms: expect.any(Number) } },
        },
      },
    });
  });

  it('is documented: 200 for both, 503 for readiness', async () => {
    const doc = (await ledger.http('GET', '/docs-json')).body;
    expect(Object.keys(doc.paths['/health/live'].get.responses)).toEqual(['200']);
    expect(Object.keys(doc.paths['/health/ready'].get.responses).sort()).toEqual(['200', '503']);
    expect(
      doc.paths['/health/ready'].get.responses['200'].content['application/json'].schema,
    ).toMatchObject({ properties: { status: { enum: ['up'] }, checks: { type: 'object' } } });
  });

  it('ready is 503, naming the broker, while the broker is gone, and 200 once it is back; live stays 200', async () => {
    const port = ledger.embeddedBroker!.port;
    await ledger.embeddedBroker!.close();
    const down = await eventually(async () => {
      const r = await ledger.http('GET', '/health/ready');
      return r.status === 503 ? r : undefined;
    }, 'ready 503');
    expect(down.body).toEqual({
      statusCode: 503,
      error: 'Service Unavailable',
      message: ['broker down: not connected (reconnecting)'],
    });
    expect((await ledger.http('GET', '/health/live')).status).toBe(200);

    replacement = await startEmbeddedBroker({ port });
    await eventually(
      async () => ((await ledger.http('GET', '/health/ready')).status === 200 ? true : undefined),
      'ready again',
      20_000,
    );
  }, 60_000);
});
