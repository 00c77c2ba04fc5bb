import { Inject, Logger } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import { type CommandRequestedData, issueFingerprints } from '@ratchet/lifecycle';
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
        const result = await this.transitions.apply(
          commandId,
          { kind: 'issue', command: data, equivalentFingerprints: fingerprints.equivalent },
          metadata,
        );
        switch (result.outcome) {
          case 'applied':
            this.logger.log(
              `command=${commandId} device=${data.deviceId} name=${data.name} issued`,
            );
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
}
