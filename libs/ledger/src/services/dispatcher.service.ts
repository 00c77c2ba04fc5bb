import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { deadlinesOf } from '@ratchet/lifecycle';
import { LedgerClock } from './ledger-clock.js';
import { InstanceMetadata } from './instance-metadata.js';
import { INTENT_PUBLISHER } from '../options/ratchet.options.js';
import { CommandTransitions } from '../transition/command-transitions.service.js';
import type { IntentPublisher } from '../options/intent-publisher.port.js';

export type DispatchOutcome =
  | 'sent'
  | 'expired'
  | 'not_requested'
  | 'no_publisher'
  | 'not_found'
  /** Under a second left: no message expiry can end by `expiresAt`; a sweep expires it. */
  | 'too_late'
  /** Not tried: the publisher's broker connection is down. */
  | 'broker_unavailable';

/**
 * Publishes a `requested` command's intent and appends `CommandSent` once the broker took it.
 * Several dispatches of one command may race (the issuing instance and a sweep): the device may
 * see the intent twice (it carries the command id), the ledger records one `CommandSent`.
 */
@Injectable()
export class Dispatcher {
  private readonly logger = new Logger('Dispatcher');

  constructor(
    private readonly transitions: CommandTransitions,
    private readonly meta: InstanceMetadata,
    private readonly clock: LedgerClock,
    @Optional() @Inject(INTENT_PUBLISHER) private readonly publisher?: IntentPublisher,
  ) {}

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
}
