import { Injectable } from '@nestjs/common';
import { Counter, Histogram, Registry, collectDefaultMetrics } from './prom.js';

/** The ledger's Prometheus metrics, on a registry of its own (a host app may have another). */
@Injectable()
export class LedgerMetrics {
  readonly registry = new Registry();
  readonly transitions = new Counter({
    name: 'ratchet_transitions_applied_total',
    help: 'Events appended by the transition shell, by event type',
    labelNames: ['type'],
    registers: [this.registry],
  });
  readonly unchanged = new Counter({
    name: 'ratchet_transitions_unchanged_total',
    help: 'Inputs that changed nothing, by input and reason (duplicate, stale, late, device_mismatch, ...)',
    labelNames: ['input', 'reason'],
    registers: [this.registry],
  });
  readonly rejected = new Counter({
    name: 'ratchet_transitions_rejected_total',
    help: 'Inputs refused with a business error, by code',
    labelNames: ['input', 'code'],
    registers: [this.registry],
  });
  readonly conflicts = new Counter({
    name: 'ratchet_revision_conflicts_total',
    help: 'Stale appends re-read and decided again',
    registers: [this.registry],
  });
  readonly waited = new Counter({
    name: 'ratchet_transitions_waited_total',
    help: 'Transitions that waited in this process for an earlier one of the same command (instead of racing it to a refused append)',
    registers: [this.registry],
  });
  readonly inboundRejected = new Counter({
    name: 'ratchet_inbound_rejected_total',
    help: 'Inbound MQTT messages dropped before the ledger, by reason',
    labelNames: ['reason'],
    registers: [this.registry],
  });
  readonly sweepSkipped = new Counter({
    name: 'ratchet_sweep_skipped_total',
    help: 'Due commands a sweep left for later, by reason (corrupt_stream: its stream cannot be folded, see verify; failed: e.g. the store went away)',
    labelNames: ['reason'],
    registers: [this.registry],
  });
  readonly inboxRecovered = new Counter({
    name: 'ratchet_inbox_recovered_total',
    help: 'Device answers recorded after the store failed at first (retried in-process or redelivered by the broker)',
    registers: [this.registry],
  });
  readonly endToEnd = new Histogram({
    name: 'ratchet_command_duration_seconds',
    help: 'From requested to a terminal status, by status',
    labelNames: ['status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [this.registry],
  });

  readonly presenceApplied = new Counter({
    name: 'ratchet_presence_applied_total',
    help: 'Presence messages recorded on the device stream, by event type',
    labelNames: ['type'],
    registers: [this.registry],
  });
  readonly presenceStale = new Counter({
    name: 'ratchet_presence_stale_total',
    help: 'Presence messages that changed nothing (an old will, a replayed birth, a repeat), by reason',
    labelNames: ['reason'],
    registers: [this.registry],
  });
  readonly republished = new Counter({
    name: 'ratchet_intents_republished_total',
    help: 'Intents of commands still sent, published again when their device came back at a new epoch',
    registers: [this.registry],
  });
  readonly held = new Counter({
    name: 'ratchet_dispatch_held_total',
    help: 'Dispatches that found the command must wait (rule 8), by reason (device_offline, queued)',
    labelNames: ['reason'],
    registers: [this.registry],
  });
  readonly superseded = new Counter({
    name: 'ratchet_commands_superseded_total',
    help: 'Waiting commands cancelled by a later command of their queue key (rule 10)',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }
}
