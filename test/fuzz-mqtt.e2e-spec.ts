import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import { EVENT_STORE, type EventStore } from '@ratchet/event-store';
import {
  type Delivered,
  type Seeded,
  type View,
  canonical,
  problemsOf,
} from './support/inbound-expectations.js';
import { type FuzzMessage, messageArbitrary, utf8 } from './support/inbound-fuzz-messages.js';
import { type Verdict, judgeInbound, normaliseJson } from './support/inbound-oracle.js';
import {
  type TestLedger,
  connectDevice,
  eventually,
  startTestLedger,
} from './support/ledger-harness.js';
import { allCommandStreams, typesOf, violationsOf } from './support/ledger-streams.js';

/**
 * 11,000 generated device messages against the running service on its embedded default
 * (PGlite + Aedes). Each message is judged by an independent oracle (support/inbound-oracle.ts)
 * from its bytes alone; the service must then have changed exactly what the valid ones imply,
 * counted once every invalid one that reached it, and still be up and reading device input.
 * Replay a run with FUZZ_SEED=<seed> (the seed is in every test name).
 *
 * Topics whose delivery depends on the broker (an empty level, NUL, bytes that are not UTF-8)
 * are published in a second phase: on Aedes, one such QoS 1 message drops the ledger's
 * persistent-session connection, and that must not blur what the first phase checks.
 */
const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const MESSAGES = 11_000;
const BATCH = 250;
const PUBLISHERS = 4;
const HOUR = 3_600_000;

interface Judged extends FuzzMessage {
  readonly verdict: Verdict;
}

const REJECTED_LINE = /^ratchet_inbound_rejected_total\{reason="([^"]*)"\} (\d+(?:\.\d+)?)$/gm;
function rejectedByReason(metrics: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const [, reason, n] of metrics.matchAll(REJECTED_LINE)) m.set(reason!, Number(n));
  return m;
}
const sum = (m: Map<string, number>): number => [...m.values()].reduce((a, b) => a + b, 0);
const delta = (after: Map<string, number>, before: Map<string, number>): string =>
  [...after].map(([r, n]) => `${r}=${n - (before.get(r) ?? 0)}`).join(' ');

/**
 * One result each, on commands the random fuzz leaves alone, so the outcome is exact: recorded
 * when valid; refused, counted and acknowledged (no redelivery) when it holds U+0000.
 */
const SINGLE_RESULTS: readonly {
  status: 'executed' | 'failed';
  output?: unknown;
  error?: string;
}[] = [
  { status: 'executed', output: 'nul \u0000 inside' },
  { status: 'failed', error: 'jammed\u0000' },
  { status: 'executed', output: { 'key\u0000': 1 } },
  { status: 'executed', output: JSON.parse(`${'['.repeat(1000)}${']'.repeat(1000)}`) },
  { status: 'executed', output: { text: 'RTL \u202e 💥 \u2028 "quoted" \\ back' } },
  { status: 'failed', error: 'e'.repeat(2048), output: null },
];

describe(`MQTT inbound fuzz at the running service (seed ${SEED})`, () => {
  let ledger: TestLedger;
  let store: EventStore;
  let publishers: MqttClient[] = [];
  const seeded: Seeded[] = [];
  const singles: { command: Seeded; message: Judged }[] = [];
  const realById = new Map<string, Seeded>();
  /** The broker's view of the ledger's own connections: any error or drop is recorded. */
  const ledgerDrops: string[] = [];
  let phase = 'setup';
  /** Broker-dependent topics, taken out of the same sample for the second phase. */
  let phaseTwo: Judged[] = [];

  /**
   * The harness's fetch reuses keep-alive sockets; after an idle gap (generating the messages
   * takes seconds) the server may close one just as it is reused. Reads are retried once.
   */
  const http = async (method: string, path: string, body?: unknown) => {
    try {
      return await ledger.http(method, path, body);
    } catch (e) {
      if (method !== 'GET') throw e;
      return ledger.http(method, path, body);
    }
  };
  const view = async (id: string): Promise<View> =>
    (await http('GET', `/commands/${id}`)).body as View;
  const metrics = async () => (await http('GET', '/metrics')).body as string;
  const rejected = async () => rejectedByReason(await metrics());
  const judge = (m: FuzzMessage): Judged => ({
    ...m,
    verdict: judgeInbound(m.topic, m.payload, realById),
  });

  /** Issues a command over HTTP, waits until it is out of `requested`, records its state. */
  async function seed(
    deviceId: string,
    body: Record<string, unknown>,
    ack = false,
  ): Promise<Seeded> {
    const res = await http('POST', '/commands', { deviceId, name: 'fuzz-me', ...body });
    expect(res.status).toBe(201);
    const id = res.body.commandId as string;
    await eventually(async () => {
      const v = await view(id);
      if (v.status === 'requested') return undefined;
      return body.ackTimeoutMs === 1 && v.status === 'sent' ? undefined : true;
    }, `${id} leaves requested`);
    if (ack && (await view(id)).status === 'sent') {
      await publishers[0]!.publishAsync(`devices/${deviceId}/commands/${id}/ack`, '', { qos: 1 });
      await eventually(
        async () => ((await view(id)).status === 'acknowledged' ? true : undefined),
        `${id} acknowledged`,
      );
    }
    const v = await view(id);
    const history = (await http('GET', `/commands/${id}/history`)).body as {
      events: { type: string }[];
    };
    return {
      commandId: id,
      deviceId,
      pre: { status: v.status, types: history.events.map((e) => e.type), lateResult: v.lateResult },
    };
  }
  /** In parallel, recorded in the given order (the seeded sample then picks the same targets). */
  async function seedAll(plans: readonly Parameters<typeof seed>[]): Promise<Seeded[]> {
    const made = await Promise.all(plans.map((p) => seed(...p)));
    for (const s of made) {
      seeded.push(s);
      realById.set(s.commandId, s);
    }
    return made;
  }

  beforeAll(async () => {
    // Sweeping fast, so that the commands meant to time out do so before the fuzz starts.
    ledger = await startTestLedger({ LEDGER_SWEEP_INTERVAL_MS: '100' });
    store = ledger.app.get<EventStore>(EVENT_STORE, { strict: false });
    const aedes = ledger.embeddedBroker!.aedes;
    const own = (id: string | undefined) => (id ?? '').startsWith('ratchet-');
    aedes.on('clientError', (c, e) => {
      if (own(c.id)) ledgerDrops.push(`${phase}: ${c.id} error "${e.message}"`);
    });
    aedes.on('clientDisconnect', (c) => {
      if (own(c.id)) ledgerDrops.push(`${phase}: ${c.id} disconnected`);
    });
    publishers = await Promise.all(
      Array.from({ length: PUBLISHERS }, () => connectDevice(ledger.mqttUrl)),
    );
    // 24 open commands on 8 devices (3 acknowledged first), 3 that time out, 3 that expire
    // (or are sent, if the dispatcher beats the 1 ms): every status a device's answer can meet.
    const long = { ackTimeoutMs: HOUR, timeoutMs: HOUR, expiresInMs: HOUR };
    await seedAll([
      ...Array.from({ length: 24 }, (_, i): Parameters<typeof seed> => [
        `fz-${i % 8}`,
        long,
        i % 8 === 0,
      ]),
      ...[0, 1, 2].map((i): Parameters<typeof seed> => [
        `fz-late-${i}`,
        { ackTimeoutMs: 1, timeoutMs: HOUR },
      ]),
      ...[0, 1, 2].map((i): Parameters<typeof seed> => [`fz-exp-${i}`, { expiresInMs: 1 }]),
    ]);
    expect(seeded.filter((s) => s.pre.status === 'timed_out')).toHaveLength(3);
    const one = await seedAll(SINGLE_RESULTS.map((_, i) => [`fz-one-${i}`, long]));
    for (const [i, r] of SINGLE_RESULTS.entries()) {
      const command = one[i]!;
      const topic = `devices/${command.deviceId}/commands/${command.commandId}/result`;
      const message = judge({
        topic,
        payload: utf8(JSON.stringify(r)),
        qos: 1,
        retain: false,
        label: 'single',
      });
      expect(message.verdict.delivery).toBe('yes');
      singles.push({ command, message });
    }
  }, 60_000);

  afterAll(async () => {
    await Promise.all(publishers.map((p) => p.endAsync(true)));
    await ledger?.stop();
  }, 30_000);

  /** Wildcards and `$SYS` make the broker drop the connection: each gets a throwaway one. */
  async function publishRefused(m: FuzzMessage): Promise<void> {
    const c = await mqtt.connectAsync(ledger.mqttUrl, {
      protocolVersion: 4,
      clientId: `fuzz-refused-${randomUUID().slice(0, 8)}`,
      reconnectPeriod: 0,
    });
    const closed = new Promise<void>((r) => c.once('close', () => r()));
    c.publish(m.topic as string, m.payload, { qos: m.qos, retain: m.retain }, () => undefined);
    await Promise.race([closed, new Promise((r) => setTimeout(r, 500))]);
    await c.endAsync(true);
  }

  const invalid = (m: Judged) => m.verdict.valid === null;
  const mustCount = (ms: readonly Judged[]) =>
    ms.filter((m) => invalid(m) && m.verdict.delivery === 'yes' && m.qos === 1).length;
  /**
   * Exact accounting is possible for QoS 1 messages that every broker delivers. QoS 0 is at most
   * once, and broker-dependent topics may or may not arrive: those only bound the count from
   * above. Refused and unmatched topics never reach the ledger, so they are in neither bound.
   */
  const mayCount = (ms: readonly Judged[]) =>
    ms.filter((m) => invalid(m) && (m.verdict.delivery === 'yes' || m.verdict.delivery === 'maybe'))
      .length;

  /** Until the handling counters stay still for 750 ms: nothing more is being handled. */
  async function quiet(): Promise<void> {
    const handling = async () =>
      (await metrics())
        .split('\n')
        .filter((l) => /^ratchet_(inbound_rejected|transitions_\w+)_total\{/.test(l))
        .join('\n');
    let last = await handling();
    await eventually(
      async () => {
        await new Promise((r) => setTimeout(r, 750));
        const now = await handling();
        if (now === last) return true;
        last = now;
        return undefined;
      },
      `the ledger to go quiet (${phase})`,
      30_000,
    );
  }

  /** Publish in bounded batches; returns once the ledger has counted the lower bound and is quiet. */
  async function publishAll(ms: readonly Judged[]): Promise<void> {
    const before = sum(await rejected());
    const routed = ms.filter((m) => m.verdict.delivery !== 'refused');
    let lostPublisher = '';
    const onClose = (i: number) => () => (lostPublisher ||= `publisher ${i} was disconnected`);
    const listeners = publishers.map((p, i) => {
      const l = onClose(i);
      p.on('close', l);
      return l;
    });
    for (let i = 0; i < routed.length; i += BATCH) {
      const batch = routed.slice(i, i + BATCH);
      await Promise.all(
        batch.map((m, j) =>
          publishers[(i + j) % PUBLISHERS]!.publishAsync(m.topic as string, m.payload, {
            qos: m.qos,
            retain: m.retain,
          }),
        ),
      );
      expect(lostPublisher).toBe('');
      // Bounded backlog: the ledger handles one message at a time; keep it within ~2 batches.
      const floor = mustCount(routed.slice(0, i + BATCH)) - 2 * BATCH;
      await eventually(
        async () => (sum(await rejected()) - before >= floor ? true : undefined),
        `the ledger to catch up (${phase}, batch ${i / BATCH}, seed ${SEED})`,
        20_000,
      );
    }
    publishers.forEach((p, i) => p.off('close', listeners[i]!));
    const refused = ms.filter((m) => m.verdict.delivery === 'refused');
    for (let i = 0; i < refused.length; i += 25)
      await Promise.all(refused.slice(i, i + 25).map(publishRefused));
    const lower = mustCount(ms);
    await eventually(
      async () => (sum(await rejected()) - before >= lower ? true : undefined),
      `all ${lower} QoS 1 invalid messages counted (${phase}, seed ${SEED})`,
      30_000,
    );
    await quiet();
  }

  /** Ready (a dropped broker connection may take a reconnect), and applying a valid ack. */
  async function stillServes(deviceId: string): Promise<void> {
    await eventually(
      async () => ((await http('GET', '/health/ready')).status === 200 ? true : undefined),
      '/health/ready 200',
      5_000,
    );
    const fresh = await http('POST', '/commands', {
      deviceId,
      name: 'still-there',
      ackTimeoutMs: HOUR,
      timeoutMs: HOUR,
    });
    expect(fresh.status).toBe(201);
    const id = fresh.body.commandId as string;
    await eventually(async () => ((await view(id)).status === 'sent' ? true : undefined), 'sent');
    await publishers[0]!.publishAsync(`devices/${deviceId}/commands/${id}/ack`, '{}', { qos: 1 });
    await eventually(
      async () => ((await view(id)).status === 'acknowledged' ? true : undefined),
      'a valid ack after the fuzz is applied',
    );
    realById.set(id, {
      commandId: id,
      deviceId,
      pre: { status: 'x', types: [], lateResult: null },
    });
  }

  describe('phase 1: well-formed, malformed, spoofed, unknown, oversized and refused messages', () => {
    let messages: Judged[] = [];
    let counted = 0;
    let byReason = '';
    let summary = '';

    beforeAll(async () => {
      const targets = seeded.filter((s) => !singles.some((x) => x.command === s));
      const generating = Date.now();
      const sampled = fc
        .sample(messageArbitrary(targets), { seed: SEED, numRuns: MESSAGES })
        .map(judge)
        // Where the contract leaves a verdict open it cannot be checked: those are not sent.
        .filter((m) => !m.verdict.ambiguous);
      // eslint-disable-next-line no-console -- timing of the phases, for whoever tunes the sizes
      console.info(`MQTT fuzz: generated and judged in ${Date.now() - generating} ms`);
      phaseTwo = sampled.filter((m) => m.verdict.delivery === 'maybe');
      messages = sampled.filter((m) => m.verdict.delivery !== 'maybe');
      // The singles go in at fixed, seed-derived places among the rest.
      singles.forEach(({ message }, i) =>
        messages.splice(((SEED + i * 7919) % messages.length) + 1, 0, message),
      );
      phase = 'phase 1';
      const before = await rejected();
      const started = Date.now();
      await publishAll(messages);
      const after = await rejected();
      counted = sum(after) - sum(before);
      byReason = delta(after, before);
      summary =
        `${messages.length} messages (${messages.filter((m) => m.qos === 0).length} QoS 0, ` +
        `${messages.filter((m) => m.retain).length} retained, ` +
        `${messages.filter((m) => m.verdict.delivery === 'refused').length} refused by the broker, ` +
        `${messages.filter((m) => m.verdict.delivery === 'no').length} matching no subscription, ` +
        `${messages.filter((m) => m.verdict.valid).length} valid) in ${Date.now() - started} ms`;
      phase = 'after phase 1';
      // eslint-disable-next-line no-console -- what was sent and counted is the fuzz's report
      console.info(
        `MQTT fuzz, seed ${SEED}: ${summary}; rejections counted ${counted} ` +
          `(bounds [${mustCount(messages)}, ${mayCount(messages)}]): ${byReason}`,
      );
    }, 150_000);

    it('sent at least 10,000 generated messages, every class represented', () => {
      expect(messages.length + phaseTwo.length).toBeGreaterThanOrEqual(10_000);
      for (const d of ['yes', 'no', 'refused'] as const)
        expect(messages.filter((m) => m.verdict.delivery === d).length).toBeGreaterThan(100);
      expect(messages.filter((m) => m.verdict.valid?.kind === 'ack').length).toBeGreaterThan(300);
      expect(messages.filter((m) => m.verdict.valid?.kind === 'result').length).toBeGreaterThan(
        300,
      );
      expect(messages.filter((m) => m.payload.length > 100 * 1024).length).toBeGreaterThan(20);
    });

    it('the ledger stays connected to its broker throughout', () => {
      expect(ledgerDrops.filter((d) => d.startsWith('phase 1'))).toEqual([]);
    });

    it('counts every invalid message that reached it exactly once, by reason', () => {
      const lower = mustCount(messages);
      const upper = mayCount(messages);
      const report = `seed ${SEED}: ${summary}; counted ${counted}, expected in [${lower}, ${upper}]: ${byReason}`;
      expect({ report, within: counted >= lower && counted <= upper }).toEqual({
        report,
        within: true,
      });
      for (const reason of byReason.split(' ').map((r) => r.split('=')[0]!))
        expect(reason).toMatch(/^[a-z_]+$/);
    });

    it('appends nothing invalid: every stream is legal and no unknown id got one', async () => {
      const streams = await allCommandStreams(store);
      expect(violationsOf(streams)).toEqual([]);
      expect([...streams.keys()].filter((id) => !realById.has(id))).toEqual([]);
    });

    it('each command shows exactly what the valid messages sent to it imply', async () => {
      const streams = await allCommandStreams(store);
      const sentTo = new Map<string, Delivered[]>();
      for (const m of messages) {
        const v = m.verdict.valid;
        if (!v || m.label === 'single') continue;
        sentTo.set(v.commandId, [
          ...(sentTo.get(v.commandId) ?? []),
          { input: v, required: m.qos === 1 },
        ]);
      }
      const problems: string[] = [];
      for (const c of seeded.filter((s) => !singles.some((x) => x.command === s))) {
        const sent = sentTo.get(c.commandId) ?? [];
        const found = problemsOf(
          c,
          sent,
          await view(c.commandId),
          typesOf(streams.get(c.commandId)),
        );
        for (const p of found)
          problems.push(
            `${c.commandId} (${c.deviceId}, was ${c.pre.status}): ${p}; valid inputs sent: ` +
              sent
                .map((d) => `${d.required ? 'qos1' : 'qos0'} ${canonical(d.input)}`.slice(0, 200))
                .join(' | '),
          );
      }
      expect({ seed: SEED, problems }).toEqual({ seed: SEED, problems: [] });
    });

    it.each(SINGLE_RESULTS.map((r, i) => [i, JSON.stringify(r).slice(0, 70)] as const))(
      'answers a single result #%d exactly (%s)',
      async (i) => {
        const { command, message } = singles[i]!;
        const input = message.verdict.valid;
        const v = await view(command.commandId);
        const types = typesOf(await store.readStream(`command-${command.commandId}`));
        if (!input || input.kind !== 'result') {
          // Refused: nothing changed (and it was counted, or the lower bound was never reached).
          expect({ status: v.status, types }).toEqual({
            status: command.pre.status,
            types: command.pre.types,
          });
          return;
        }
        expect({ status: v.status, result: v.result, error: v.error }).toEqual({
          status: input.status,
          result: normaliseJson(input.result),
          error: input.error,
        });
        expect(types).toEqual([
          ...command.pre.types,
          input.status === 'executed' ? 'CommandExecuted' : 'CommandFailed',
        ]);
      },
    );

    it('is still ready afterwards and applies a valid ack', async () => {
      await stillServes('fz-after-1');
    });
  });

  describe('phase 2: topics whose delivery depends on the broker (empty level, NUL, not UTF-8)', () => {
    let counted = 0;
    let streamsBefore = '';

    beforeAll(async () => {
      streamsBefore = canonical(
        [...(await allCommandStreams(store))].map(([id, es]) => [id, typesOf(es)]),
      );
      phase = 'phase 2';
      const before = await rejected();
      await publishAll(phaseTwo);
      counted = sum(await rejected()) - sum(before);
      phase = 'after phase 2';
    }, 120_000);

    it('sent some of them', () => {
      expect(phaseTwo.length).toBeGreaterThan(100);
    });

    it('the ledger stays connected to its broker throughout', () => {
      expect(ledgerDrops.filter((d) => d.startsWith('phase 2'))).toEqual([]);
    });

    it('counts each at most once and changes nothing', async () => {
      expect(counted).toBeLessThanOrEqual(mayCount(phaseTwo));
      const after = canonical(
        [...(await allCommandStreams(store))].map(([id, es]) => [id, typesOf(es)]),
      );
      expect(after).toBe(streamsBefore);
    });

    it('is still ready afterwards and applies a valid ack', async () => {
      await stillServes('fz-after-2');
    });
  });

  // Last: before lone surrogates were refused at the edge, such a message held the whole inbox
  // while its append was retried.
  describe('phase 3: a result holding an escaped lone surrogate (not Unicode; jsonb refuses it)', () => {
    let command: Seeded;

    it('is refused and counted as unsupported_character at once: never left without a PUBACK', async () => {
      [command] = (await seedAll([
        [`fz-lone-${randomUUID().slice(0, 6)}`, { ackTimeoutMs: HOUR, timeoutMs: HOUR }],
      ])) as [Seeded];
      phase = 'phase 3';
      await quiet(); // so that the next count can only be this message's
      const before = sum(await rejected());
      await publishers[0]!.publishAsync(
        `devices/${command.deviceId}/commands/${command.commandId}/result`,
        '{"status":"executed","output":"\\ud800"}',
        { qos: 1 },
      );
      // Alone on the wire: either its append or its rejection must show.
      const outcome = await eventually(
        async () => {
          if ((await view(command.commandId)).status !== command.pre.status) return 'recorded';
          return sum(await rejected()) > before ? 'refused' : undefined;
        },
        'the result to be recorded or refused (else it is a poison message)',
        5_000,
      );
      expect(outcome).toBe('refused');
    });

    it('and device input keeps flowing meanwhile: a valid ack right after it is applied', async () => {
      await stillServes('fz-after-3');
    });
  });
});
