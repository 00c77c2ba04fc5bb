import { Inject, Logger } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { EVENT_STORE, type EventStore } from '@ratchet/event-store';
import { type PresenceInput, type TransitionMetadata, decidePresence } from '@ratchet/lifecycle';
import { type DeviceTransitionResult, deviceTransition } from '../device/device-stream.js';
import { LedgerMetrics } from '../metrics/ledger-metrics.js';
import { Dispatcher } from '../services/dispatcher.service.js';
import { InstanceMetadata } from '../services/instance-metadata.js';
import { LedgerClock } from '../services/ledger-clock.js';
import { type PresenceOutcome, RecordPresence } from './record-presence.command.js';

/**
 * Presence through the pure decider onto `device-<deviceId>` (CONTRACT.md section 5): a stale
 * message (an old will delivered late, a replayed birth) is counted and never applied. When
 * the device came online, its waiting commands go out and its unacknowledged ones are
 * published again — after the append, so a crash before it leaves the message unacknowledged
 * for the broker to deliver again, and one after it is repaired by the sweep.
 */
@CommandHandler(RecordPresence)
export class RecordPresenceHandler implements ICommandHandler<RecordPresence, PresenceOutcome> {
  private readonly logger = new Logger('Presence');

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly meta: InstanceMetadata,
    private readonly metrics: LedgerMetrics,
    private readonly clock: LedgerClock,
    private readonly dispatcher: Dispatcher,
  ) {}

  async execute({ deviceId, input, mqtt }: RecordPresence): Promise<PresenceOutcome> {
    const metadata = this.meta.build(
      mqtt ? 'mqtt' : 'bus',
      null,
      null,
      mqtt ? { mqtt } : undefined,
    );
    let r = await this.record(deviceId, input, metadata);
    // A will whose birth is not recorded yet: under a shared subscription the birth may be in
    // the hands of another instance right now (the broker keeps no order across members), so
    // it is decided again a few times before it is counted stale.
    for (let i = 0; i < BIRTH_WAITS && isAheadOfBirth(r, input); i++) {
      await new Promise((resolve) => setTimeout(resolve, BIRTH_WAIT_MS));
      r = await this.record(deviceId, input, metadata);
    }
    if (r.conflicts > 0) this.metrics.conflicts.inc(r.conflicts);
    if (r.outcome === 'unchanged') {
      this.metrics.presenceStale.inc({ reason: r.reason });
      this.logger.log(
        `device=${deviceId} ${input.kind} at epoch ${input.epoch} unchanged: ${r.reason} ` +
          `(presence ${r.state?.presence.status ?? 'unknown'} at epoch ${r.state?.presence.epoch ?? '-'})`,
      );
      return { outcome: 'unchanged', reason: r.reason };
    }
    for (const e of r.events) this.metrics.presenceApplied.inc({ type: e.type });
    this.logger.log(`device=${deviceId} ${r.state.presence.status} at epoch ${input.epoch}`);
    if (input.kind === 'came_online') {
      this.dispatcher.deviceCameOnlineInBackground(deviceId, metadata.correlationId);
    }
    return { outcome: 'applied' };
  }

  private record(deviceId: string, input: PresenceInput, metadata: TransitionMetadata) {
    return deviceTransition(
      this.store,
      deviceId,
      (state) => decidePresence(input, state, this.clock.now()),
      metadata,
    );
  }
}

const BIRTH_WAITS = 5;
const BIRTH_WAIT_MS = 200;

const isAheadOfBirth = (r: DeviceTransitionResult<string>, input: PresenceInput): boolean =>
  r.outcome === 'unchanged' &&
  r.reason === 'stale' &&
  input.kind === 'went_offline' &&
  (r.state?.presence.epoch ?? 0) < input.epoch;
