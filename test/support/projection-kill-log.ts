/**
 * The log for test/projection-kill.e2e-spec.ts and the oracle it is checked against: command
 * streams of every lifecycle shape, their events interleaved across streams and commits, and a
 * fold of any prefix of that log into what the read models must hold at that checkpoint.
 */
import type { EventStore, Position, RecordedEvent, StreamAppend } from '@ratchet/event-store';
import {
  type CommandEvent,
  type CommandStatus,
  commandIdOfStream,
  eventIdFor,
  fold,
  STATUSES,
  streamOf,
} from '@ratchet/lifecycle';
import { randomUUID } from 'node:crypto';

const T0 = Date.parse('2026-03-01T12:00:00.000Z');
const at = (second: number) => new Date(T0 + second * 1000).toISOString();

/** What may follow `CommandRequested`: open, closed, closed late; 2.75 events a command. */
const SHAPES: readonly (readonly CommandEvent['type'][])[] = [
  ['CommandSent', 'CommandAcknowledged', 'CommandExecuted'],
  ['CommandSent', 'CommandFailed'],
  ['CommandSent', 'CommandTimedOut', 'CommandLateResultObserved'],
  ['CommandCancelled'],
  ['CommandExpired'],
  ['CommandAcknowledged'],
  [],
  ['CommandSent', 'CommandAcknowledged', 'CommandTimedOut'],
];

const eventOf = (
  type: CommandEvent['type'],
  commandId: string,
  deviceId: string,
  second: number,
): CommandEvent => {
  switch (type) {
    case 'CommandRequested':
      return {
        type,
        data: {
          commandId,
          deviceId,
          name: 'set-speed',
          payload: { rpm: second },
          requestedAt: at(second),
          ackTimeoutMs: 10_000,
          timeoutMs: 60_000,
          expiresInMs: 300_000,
          retry: { maxAttempts: 1, on: [] },
          attempt: 1,
          retryOf: null,
          rootCommandId: commandId,
          fingerprint: 'kill',
        },
      };
    case 'CommandFailed':
      return { type, data: { at: at(second), error: 'jam', output: { code: 7 } } };
    case 'CommandTimedOut':
      return { type, data: { at: at(second), stage: 'result' } };
    case 'CommandCancelled':
      return { type, data: { at: at(second), reason: 'operator' } };
    case 'CommandLateResultObserved':
      return { type, data: { at: at(second), status: 'executed', output: 1, error: null } };
    case 'CommandExecuted':
      return { type, data: { at: at(second), output: { ok: true } } };
    default:
      return { type, data: { at: at(second) } } as CommandEvent;
  }
};

/** A small deterministic generator (mulberry32): the same log on every run. */
const random = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

/**
 * `commands` commands over `devices`, each stream's events in lifecycle order but the streams
 * interleaved at random, appended `perCommit` steps at a time: a batch of the projection holds
 * first events of some commands and later events of others, whose rows earlier batches wrote.
 * Returns the number of events written.
 */
export const seedCommandLog = async (
  store: EventStore,
  devices: readonly string[],
  commands: number,
  perCommit = 60,
): Promise<number> => {
  const next = random(20260301);
  const pending = Array.from({ length: commands }, (_, i) => {
    const commandId = randomUUID();
    const types = ['CommandRequested' as const, ...SHAPES[i % SHAPES.length]!];
    return { commandId, deviceId: devices[i % devices.length]!, types, written: 0 };
  });
  let second = 0;
  let written = 0;
  while (pending.length > 0) {
    const appends = new Map<string, StreamAppend & { events: StreamAppend['events'][number][] }>();
    for (let step = 0; step < perCommit && pending.length > 0; step += 1) {
      const i = Math.floor(next() * pending.length);
      const command = pending[i]!;
      const type = command.types[command.written]!;
      const stream = streamOf(command.commandId);
      const append = appends.get(stream) ?? {
        stream,
        expected: command.written === 0 ? ('no_stream' as const) : BigInt(command.written - 1),
        events: [],
      };
      const event = eventOf(type, command.commandId, command.deviceId, (second += 1));
      append.events.push({
        id: eventIdFor(command.commandId, type),
        type,
        data: { ...event.data } as Record<string, unknown>,
      });
      appends.set(stream, append);
      command.written += 1;
      written += 1;
      if (command.written === command.types.length) pending.splice(i, 1);
    }
    await store.appendMany([...appends.values()]);
  }
  return written;
};

export type Counts = Record<CommandStatus, number>;

/** What the read models must hold once the log up to `checkpoint` (inclusive) is applied. */
export interface ExpectedReadModels {
  /** Events up to the checkpoint. */
  readonly applied: number;
  /** command_status and device_summary_commands: status and revision of each command. */
  readonly commands: Record<string, { status: CommandStatus; revision: string }>;
  readonly devices: Record<string, Counts>;
  /** device_summary_commands also remembers the device. */
  readonly tracked: Record<string, { deviceId: string; status: CommandStatus; revision: string }>;
}

/** A fresh fold, by the lifecycle's own `fold`, of the log's prefix up to `checkpoint`. */
export const foldPrefix = (
  log: readonly RecordedEvent[],
  checkpoint: Position | null,
): ExpectedReadModels => {
  const end = checkpoint === null ? 0 : log.findIndex((e) => e.position === checkpoint) + 1;
  if (checkpoint !== null && end === 0)
    throw new Error(`checkpoint ${checkpoint} is not in the log`);
  const streams = new Map<string, CommandEvent[]>();
  for (const event of log.slice(0, end)) {
    const id = commandIdOfStream(event.stream) as string;
    const events = streams.get(id) ?? [];
    events.push({ type: event.type, data: event.data } as CommandEvent);
    streams.set(id, events);
  }
  const commands: ExpectedReadModels['commands'] = {};
  const tracked: ExpectedReadModels['tracked'] = {};
  const devices: Record<string, Counts> = {};
  for (const [id, events] of streams) {
    const state = fold(events);
    if (!state) continue;
    const revision = state.revision.toString();
    commands[id] = { status: state.status, revision };
    tracked[id] = { deviceId: state.deviceId, status: state.status, revision };
    devices[state.deviceId] ??= Object.fromEntries(STATUSES.map((s) => [s, 0])) as Counts;
    devices[state.deviceId]![state.status] += 1;
  }
  return { applied: end, commands, devices, tracked };
};
