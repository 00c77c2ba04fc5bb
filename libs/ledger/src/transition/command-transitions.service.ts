import { Inject, Injectable, Logger } from '@nestjs/common';
import { EVENT_STORE, type EventStore } from '@ratchet/event-store';
import { type CommandInput, type TransitionMetadata, isTerminal } from '@ratchet/lifecycle';
import { LedgerClock } from '../clock.js';
import { LedgerMetrics } from '../metrics/ledger-metrics.js';
import { type TransitionResult, defaultTransitionOptions, transition } from './transition.js';

/** The transition shell as a Nest provider: the same loop, plus metrics and one log line. */
@Injectable()
export class CommandTransitions {
  private readonly logger = new Logger('Transitions');

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly metrics: LedgerMetrics,
    private readonly clock: LedgerClock,
  ) {}

  async apply(
    commandId: string,
    input: CommandInput,
    metadata: TransitionMetadata,
  ): Promise<TransitionResult> {
    const result = await transition(
      this.store,
      commandId,
      input,
      { metadata },
      {
        ...defaultTransitionOptions,
        now: this.clock.now,
      },
    );
    if (result.conflicts > 0) this.metrics.conflicts.inc(result.conflicts);
    const ids = `command=${commandId} correlation=${metadata.correlationId}`;
    switch (result.outcome) {
      case 'applied':
        for (const e of result.events) this.metrics.transitions.inc({ type: e.type });
        if (
          isTerminal(result.state.status) &&
          result.events.some((e) => e.type !== 'CommandLateResultObserved')
        ) {
          const seconds =
            (Date.parse(result.state.completedAt ?? '') - Date.parse(result.state.requestedAt)) /
            1000;
          if (Number.isFinite(seconds))
            this.metrics.endToEnd.observe({ status: result.state.status }, seconds);
        }
        this.logger.debug(
          `${ids} ${result.events.map((e) => e.type).join(',')} → ${result.state.status}@${result.state.revision}`,
        );
        break;
      case 'unchanged':
        this.metrics.unchanged.inc({ input: input.kind, reason: result.reason });
        this.logger.log(
          `${ids} ${input.kind} unchanged: ${result.reason} (status ${result.state?.status ?? 'none'})`,
        );
        break;
      case 'rejected':
        this.metrics.rejected.inc({ input: input.kind, code: result.code });
        this.logger.log(`${ids} ${input.kind} rejected: ${result.code}`);
        break;
    }
    return result;
  }
}
