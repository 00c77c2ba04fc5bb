import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { EVENT_STORE, type EventStore } from '@ratchet/event-store';
import { READ_MODEL_STORE, type ReadModelStore } from '@ratchet/read-models';
import {
  type CommandState,
  type CommandStatus,
  type DeviceState,
  type Waiting,
  closableEntries,
  decideQueue,
  decideSend,
  deadlinesOf,
  isTerminal,
  waitingOrder,
} from '@ratchet/lifecycle';
import { LedgerClock } from './ledger-clock.js';
import { InstanceMetadata } from './instance-metadata.js';
import { INTENT_PUBLISHER } from '../options/ratchet.options.js';
import { CommandTransitions } from '../transition/command-transitions.service.js';
import type { IntentPublisher } from '../options/intent-publisher.port.js';
import { deviceTransition, readDevice } from '../device/device-stream.js';
import { EndedCommands } from './ended-commands.js';
import { LedgerMetrics } from '../metrics/ledger-metrics.js';

export type DispatchOutcome =
  | 'sent'
  | 'expired'
  | 'waiting'
  | 'not_requested'
  | 'no_publisher'
  | 'not_found'
  /** Under a second left: no message expiry can end by `expiresAt`; a sweep expires it. */
  | 'too_late'
  /** Not tried: the publisher's broker connection is down. */
  | 'broker_unavailable';

/** Close entries that hold nothing back once this many have gathered (one append for several). */
const CLOSE_ENTRIES_AT = 8;

/**
 * Publishes a `requested` command's intent and appends `CommandSent` once the broker took it.
 * Several dispatches of one command may race (the issuing instance and a sweep): the device may
 * see the intent twice (it carries the command id), the ledger records one `CommandSent`.
 *
 * Whether the command may go now (CONTRACT.md rule 8) is decided on the device stream as read
 * now — its presence and its queue — with the status of each command ahead read from its own
 * stream, never from a read model that may lag (DESIGN.md "Presence, waiting and queues"). A
 * command ahead that is terminal stays terminal, so a decision to send can never be made wrong
 * by a later event; a command that must wait first takes its place on the device stream (a
 * guarded append), so whoever records the device's return, or the end of the command ahead,
 * finds it.
 */
@Injectable()
export class Dispatcher {
  private readonly logger = new Logger('Dispatcher');
  /** Commands of device queues this process saw terminal: they stay so (bounded). */
  private readonly ended = new EndedCommands();

  constructor(
    private readonly transitions: CommandTransitions,
    private readonly meta: InstanceMetadata,
    private readonly clock: LedgerClock,
    private readonly metrics: LedgerMetrics,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Optional() @Inject(INTENT_PUBLISHER) private readonly publisher?: IntentPublisher,
    @Optional() @Inject(READ_MODEL_STORE) private readonly readModels?: ReadModelStore | null,
  ) {
    // The end of a keyed command lets the next of its queue go.
    transitions.onEnded((state) => {
      this.remember(state.commandId, state.status);
      if (state.queue)
        this.advanceQueueInBackground(state.deviceId, state.queue.key, state.commandId);
    });
  }

  /** False while the broker is known to be unreachable (no publisher: nothing to wait for). */
  get canPublish(): boolean {
    return this.publisher !== undefined && (this.publisher.isAvailable?.() ?? true);
  }

  /** Right after this process issued (or retried) the command: its state is already known. */
  dispatchInBackground(commandId: string, correlationId: string): void {
    this.dispatch(commandId, correlationId, 'known').catch((e: unknown) =>
      // The command stays `requested`; a sweep re-dispatches or expires it.
      this.logger.warn(
        `command=${commandId} correlation=${correlationId} dispatch failed: ${String(e)}`,
      ),
    );
  }

  /**
   * `read` (the default, e.g. a sweep): decides on the stream as read now. `known`: on the state
   * this process last knew (see CommandStateCache), which is exact right after it issued the
   * command. An older state can at worst publish the intent once more (the device sees the
   * command id twice, as after any racing dispatch); `CommandSent` itself is a guarded append.
   */
  async dispatch(
    commandId: string,
    correlationId: string,
    source: 'read' | 'known' = 'read',
  ): Promise<DispatchOutcome> {
    if (!this.publisher) return 'no_publisher';
    // The broker is away: nothing to try (the command stays requested; a sweep sends it later).
    if (this.publisher.isAvailable?.() === false) return 'broker_unavailable';
    const state =
      source === 'known'
        ? await this.transitions.known(commandId)
        : await this.transitions.read(commandId);
    if (!state) return 'not_found';
    if (state.status !== 'requested') return 'not_requested';
    const now = this.clock.now();
    const expiresAt = new Date(deadlinesOf(state).expiresAt);
    if (now >= expiresAt) {
      await this.transitions.apply(
        commandId,
        { kind: 'expire' },
        this.meta.build('dispatcher', correlationId),
      );
      return 'expired';
    }
    const waiting = await this.mustWait(state, correlationId);
    if (waiting) {
      this.metrics.held.inc({ reason: waiting.reason });
      this.logger.debug(`command=${commandId} waits: ${JSON.stringify(waiting)}`);
      return 'waiting';
    }
    if ((await this.publisher.publishIntent(state, expiresAt, now)) === 'too_late') {
      return 'too_late';
    }
    const sent = await this.transitions.apply(
      commandId,
      { kind: 'mark_sent' },
      this.meta.build('dispatcher', correlationId),
    );
    // The broker's PUBACK may come back after the expiry: then the command expired, not sent.
    return sent.state?.status === 'expired' ? 'expired' : 'sent';
  }

  /**
   * Why the command must wait now, or `null` when it may go (rule 8), decided on the device
   * stream; a command that must first take its place in the device's queue takes it here.
   */
  async mustWait(state: CommandState, correlationId: string): Promise<Waiting | null> {
    let device = await readDevice(this.store, state.deviceId);
    for (let attempt = 0; attempt < 10; attempt++) {
      const decision = decideSend(
        state,
        device?.presence.status ?? 'unknown',
        device?.queue ?? [],
        await this.statusesAhead(device, state),
      );
      switch (decision.outcome) {
        case 'send':
          return null;
        case 'wait':
          return decision.waiting;
        case 'enqueue': {
          const r = await deviceTransition(
            this.store,
            state.deviceId,
            (d) => decideQueue({ kind: 'enqueue', entry: decision.entry }, d, this.clock.now()),
            this.meta.build('dispatcher', correlationId, state.commandId),
            { first: device },
          );
          device = r.state;
        }
      }
    }
    throw new Error(`command ${state.commandId}: no stable place in its device's queue`);
  }

  /**
   * Why a `requested` command waits, for the API: the same decision, without taking a place
   * (a command that would take one is about to wait: it is shown as waiting for its device).
   */
  async waitingOf(state: CommandState): Promise<Waiting | null> {
    if (state.status !== 'requested') return null;
    const device = await readDevice(this.store, state.deviceId);
    const d = decideSend(
      state,
      device?.presence.status ?? 'unknown',
      device?.queue ?? [],
      await this.statusesAhead(device, state),
    );
    if (d.outcome === 'wait') return d.waiting;
    if (
      d.outcome === 'enqueue' &&
      device?.presence.status === 'offline' &&
      state.delivery === 'when_online'
    )
      return { reason: 'device_offline' };
    return null;
  }

  /** How many of the device's commands wait now (for `GET /devices/{id}`). */
  async countWaiting(device: DeviceState | null): Promise<number> {
    let n = 0;
    for (const entry of device?.queue ?? []) {
      const state = await this.transitions.read(entry.commandId);
      if (state && (await this.waitingOf(state))) n += 1;
    }
    return n;
  }

  /** The device came online: what it may have missed goes out again, then what waited for it. */
  deviceCameOnlineInBackground(deviceId: string, correlationId: string): void {
    this.deviceCameOnline(deviceId, correlationId).catch((e: unknown) =>
      // The waiting commands stay `requested`; a sweep dispatches them.
      this.logger.warn(`device=${deviceId} dispatch after coming online failed: ${String(e)}`),
    );
  }

  /**
   * Section 5: every command still `sent` (not acknowledged) is published again with the same
   * `commandId` — no event, it is counted — then the waiting commands go in acceptance order
   * (rule 8). Republished first: they were accepted before any that still waits behind them.
   */
  async deviceCameOnline(
    deviceId: string,
    correlationId: string,
  ): Promise<{ republished: number; sent: number }> {
    const device = await readDevice(this.store, deviceId);
    const republished = await this.republish(deviceId, device);
    let sent = 0;
    for (const commandId of waitingOrder(device?.queue ?? [])) {
      const outcome = await this.dispatch(commandId, correlationId);
      if (outcome === 'sent') sent += 1;
    }
    await this.closeEntries(deviceId, correlationId, 1);
    if (republished + sent > 0)
      this.logger.log(`device=${deviceId} back online: ${republished} republished, ${sent} sent`);
    return { republished, sent };
  }

  private async republish(deviceId: string, device: DeviceState | null): Promise<number> {
    if (!this.publisher) return 0;
    const ids = new Set((device?.queue ?? []).map((e) => e.commandId));
    if (this.readModels) {
      // The read model may lag: a command it still shows `requested` may be `sent` by now, so
      // both are read from their streams, which decide.
      for (const status of ['sent', 'requested'] as const) {
        const page = await this.readModels.listCommands({ deviceId, status, limit: 500 });
        for (const item of page.items) ids.add(item.state.commandId);
      }
    }
    let n = 0;
    for (const id of ids) {
      const state = await this.transitions.read(id);
      if (state?.status !== 'sent') continue;
      const now = this.clock.now();
      const expiresAt = new Date(deadlinesOf(state).expiresAt);
      // An intent whose expiresAt has passed is never published (section 3).
      if (now >= expiresAt) continue;
      if ((await this.publisher.publishIntent(state, expiresAt, now)) === 'too_late') continue;
      this.metrics.republished.inc();
      n += 1;
    }
    return n;
  }

  private advanceQueueInBackground(deviceId: string, key: string, after: string): void {
    this.advanceQueue(deviceId, key, after).catch((e: unknown) =>
      this.logger.warn(
        `device=${deviceId} queue ${key}: next after ${after} not sent: ${String(e)}`,
      ),
    );
  }

  /** The first open command of the queue key after `after` ended: dispatch it if it waits. */
  async advanceQueue(
    deviceId: string,
    key: string,
    after: string,
  ): Promise<DispatchOutcome | null> {
    const device = await readDevice(this.store, deviceId);
    let outcome: DispatchOutcome | null = null;
    for (const entry of device?.queue ?? []) {
      if (entry.key !== key || entry.commandId === after) continue;
      const status = await this.statusOf(entry.commandId);
      if (status === undefined || isTerminal(status)) continue;
      if (status === 'requested') outcome = await this.dispatch(entry.commandId, after);
      break;
    }
    await this.closeEntries(deviceId, after, CLOSE_ENTRIES_AT);
    return outcome;
  }

  /** Closes the entries that hold nothing back, once at least `atLeast` have gathered. */
  private async closeEntries(
    deviceId: string,
    correlationId: string,
    atLeast: number,
  ): Promise<void> {
    const device = await readDevice(this.store, deviceId);
    const queue = device?.queue ?? [];
    if (queue.length < atLeast) return;
    const statuses = new Map<string, CommandStatus | undefined>();
    for (const e of queue) statuses.set(e.commandId, await this.statusOf(e.commandId));
    const ids = closableEntries(queue, (id) => statuses.get(id));
    if (ids.length < atLeast) return;
    await deviceTransition(
      this.store,
      deviceId,
      (d) => decideQueue({ kind: 'close_entries', commandIds: ids }, d, this.clock.now()),
      this.meta.build('dispatcher', correlationId),
      { first: device },
    );
    this.ended.forget(ids);
  }

  /** The status of each entry of the command's key ahead of it, read from its stream. */
  private async statusesAhead(
    device: DeviceState | null,
    state: CommandState,
  ): Promise<(id: string) => CommandStatus | undefined> {
    const statuses = new Map<string, CommandStatus | undefined>();
    const key = state.queue?.key;
    if (key !== undefined) {
      for (const e of device?.queue ?? []) {
        if (e.commandId === state.commandId) break;
        if (e.key === key) statuses.set(e.commandId, await this.statusOf(e.commandId));
      }
    }
    return (id) => statuses.get(id);
  }

  private async statusOf(commandId: string): Promise<CommandStatus | undefined> {
    if (this.ended.has(commandId)) return 'executed';
    const status = (await this.transitions.read(commandId))?.status;
    if (status) this.remember(commandId, status);
    return status;
  }

  private remember(commandId: string, status: CommandStatus): void {
    if (isTerminal(status)) this.ended.add(commandId);
  }
}
