import { Inject, Logger } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import { EVENT_STORE, type EventStore } from '@ratchet/event-store';
import { type CommandRequestedData, issueFingerprints, supersedeTargets } from '@ratchet/lifecycle';
import { readDevice } from '../device/device-stream.js';
import { LedgerMetrics } from '../metrics/ledger-metrics.js';
import { admitQueued } from './admit-queued.js';
import { LedgerClock } from '../services/ledger-clock.js';
import { Dispatcher } from '../services/dispatcher.service.js';
import { CommandIdConflictError, InvalidRequestError, PayloadTooLargeError } from '../errors.js';
import { InstanceMetadata, issuerProblem } from '../services/instance-metadata.js';
import { runWithCommand } from '../logging/log-context.js';
import {
  DEFAULT_COMMAND_DEFAULTS,
  RATCHET_OPTIONS,
  type RatchetModuleOptions,
} from '../options/ratchet.options.js';
import { CommandTransitions } from '../transition/command-transitions.service.js';
import { IssueCommand, type IssueOutcome } from './issue-command.command.js';
import { payloadTooLarge, validateIssueRequest } from './validate-issue.js';

@CommandHandler(IssueCommand)
export class IssueCommandHandler implements ICommandHandler<IssueCommand, IssueOutcome> {
  private readonly logger = new Logger('IssueCommand');
  private readonly defaults;

  constructor(
    @Inject(RATCHET_OPTIONS) options: RatchetModuleOptions,
    private readonly transitions: CommandTransitions,
    private readonly meta: InstanceMetadata,
    private readonly dispatcher: Dispatcher,
    private readonly clock: LedgerClock,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly metrics: LedgerMetrics,
  ) {
    this.defaults = { ...DEFAULT_COMMAND_DEFAULTS, ...options.defaults };
  }

  async execute({ request, provenance }: IssueCommand): Promise<IssueOutcome> {
    const problems = validateIssueRequest(request);
    const issuer = provenance.issuedBy === undefined ? null : issuerProblem(provenance.issuedBy);
    if (issuer) problems.push(issuer);
    if (problems.length > 0) throw new InvalidRequestError(problems);
    const tooLarge = payloadTooLarge(request);
    if (tooLarge) throw new PayloadTooLargeError(tooLarge);
    const commandId = (request.commandId ?? randomUUID()).toLowerCase();
    const { commandId: _ignored, ...body } = request;
    const fingerprints = issueFingerprints(body as Record<string, unknown>, this.defaults);
    const delivery = request.delivery ?? 'when_online';
    const queue = request.queue
      ? { key: request.queue.key, supersede: request.queue.supersede ?? false }
      : null;
    const data: CommandRequestedData = {
      commandId,
      deviceId: request.deviceId,
      name: request.name,
      payload: request.payload ?? {},
      requestedAt: this.clock.now().toISOString(),
      ackTimeoutMs: request.ackTimeoutMs ?? this.defaults.ackTimeoutMs,
      timeoutMs: request.timeoutMs ?? this.defaults.timeoutMs,
      expiresInMs: request.expiresInMs ?? this.defaults.expiresInMs,
      retry: { maxAttempts: request.retry?.maxAttempts ?? 1, on: request.retry?.on ?? [] },
      attempt: 1,
      retryOf: null,
      rootCommandId: commandId,
      fingerprint: fingerprints.fingerprint,
      delivery,
      queue,
    };
    const metadata = this.meta.build(
      provenance.source ?? 'bus',
      provenance.correlationId ?? commandId,
      provenance.causationId,
      provenance.issuedBy === undefined ? undefined : { issuedBy: provenance.issuedBy },
    );
    // Every line about this command from here on, the background dispatch's included, carries
    // its ids (when the app's logger reads the log context).
    return runWithCommand(
      { commandId, deviceId: data.deviceId, correlationId: metadata.correlationId },
      async () => {
        // A keyed command takes its place on the device stream as it is accepted.
        const admitted =
          queue === null
            ? 'unsupported'
            : await admitQueued(this.store, { ...data, queue }, metadata, this.clock.now);
        const result =
          admitted === 'admitted'
            ? ({ outcome: 'applied', state: (await this.transitions.read(commandId))! } as const)
            : await this.transitions.apply(
                commandId,
                { kind: 'issue', command: data, equivalentFingerprints: fingerprints.equivalent },
                metadata,
              );
        switch (result.outcome) {
          case 'applied':
            this.logger.log(
              `command=${commandId} device=${data.deviceId} name=${data.name} issued` +
                (queue ? ` (queue ${queue.key}${queue.supersede ? ', supersede' : ''})` : ''),
            );
            if (queue?.supersede)
              await this.supersede(commandId, data.deviceId, metadata.correlationId);
            this.dispatcher.dispatchInBackground(commandId, metadata.correlationId);
            return { created: true, command: result.state };
          case 'unchanged':
            if (result.state) return { created: false, command: result.state };
            throw new Error(`issue of ${commandId} unchanged without a state (${result.reason})`);
          case 'rejected':
            throw new CommandIdConflictError(result.message, result.state);
        }
      },
    );
  }

  /**
   * Rule 10: every waiting command of the device and key ahead of this one is cancelled as
   * superseded. Each cancel is that command's own guarded transition, which applies only to
   * `requested`: one already sent is never superseded (and one being sent right now is either
   * sent or cancelled, whichever append commits first).
   */
  private async supersede(commandId: string, deviceId: string, correlationId: string) {
    const device = await readDevice(this.store, deviceId);
    for (const target of supersedeTargets(device?.queue ?? [], commandId)) {
      const r = await this.transitions.apply(
        target,
        { kind: 'cancel', supersededBy: commandId },
        this.meta.build('bus', correlationId, commandId),
      );
      if (r.outcome === 'applied') {
        this.metrics.superseded.inc();
        this.logger.log(`command=${target} superseded by ${commandId}`);
      }
    }
  }
}
