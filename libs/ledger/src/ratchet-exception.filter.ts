import { type ArgumentsHost, Catch, type ExceptionFilter, Optional } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { isUnavailableError } from '@ratchet/event-store';
import { LedgerError, RATCHET_ERROR_STATUS } from './errors.js';
import { toCommandView } from './get-command/command-view.js';
import { GroupError, type GroupErrorCode } from './groups/group-error.js';
import { FleetError, type FleetErrorCode } from './fleets/fleet-error.js';
import { ReadModelsUnavailableError } from './read-models-unavailable.error.js';

const GROUP_STATUS: Readonly<Record<GroupErrorCode, number>> = {
  invalid_request: 400,
  too_many_ids: 413,
  group_full: 413,
  not_found: 404,
  not_a_member: 404,
  read_model_behind: 503,
};

const FLEET_STATUS: Readonly<Record<FleetErrorCode, number>> = {
  invalid_request: 400,
  too_large: 413,
  not_found: 404,
  id_conflict: 409,
  not_pausable: 409,
  not_resumable: 409,
  not_cancellable: 409,
  read_model_behind: 503,
};

export const HTTP_REASON: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** The answer of CONTRACT.md section 2 for one of Ratchet's errors. */
export interface RatchetErrorResponse {
  readonly status: number;
  /** The error's stable code (`id_conflict`, `not_found`, …), for logs; not in the body. */
  readonly code: string;
  readonly body: {
    readonly statusCode: number;
    readonly error: string;
    readonly message: string[];
    /** The command as it is, with a 409. */
    readonly command?: unknown;
    /** The fleet command as it is, with a 409 of a fleet command. */
    readonly fleetCommand?: unknown;
  };
}

/** Maps an error Ratchet throws to its status and body; `null` for anything else. */
export function ratchetErrorResponse(e: unknown): RatchetErrorResponse | null {
  let status: number;
  let messages: string[];
  let code: string;
  let extra: { command?: unknown; fleetCommand?: unknown } = {};
  if (e instanceof LedgerError) {
    status = RATCHET_ERROR_STATUS[e.code];
    messages = [...e.messages];
    code = e.code;
    if (e.state) extra = { command: toCommandView(e.state, null) };
  } else if (e instanceof FleetError) {
    status = FLEET_STATUS[e.code];
    messages = [...e.messages];
    code = e.code;
    if (e.fleet) extra = { fleetCommand: e.fleet };
  } else if (e instanceof GroupError) {
    status = GROUP_STATUS[e.code];
    messages = [...e.messages];
    code = e.code;
  } else if (e instanceof ReadModelsUnavailableError) {
    status = 503;
    messages = [e.message];
    code = 'read_models_unavailable';
  } else if (isUnavailableError(e)) {
    // A store or broker that cannot serve now (down, restarting, a transaction cut by its
    // restart, shutting down): the request was done or not done; the same request (for an
    // issue, the same commandId) converges when retried.
    status = 503;
    messages = [
      'the ledger cannot reach its store or broker right now; retry (an issue with the same commandId)',
    ];
    code = 'unavailable';
  } else return null;
  return {
    status,
    code,
    body: {
      statusCode: status,
      error: HTTP_REASON[status] ?? 'Error',
      message: messages,
      ...extra,
    },
  };
}

/**
 * Answers Ratchet's errors (thrown through a host's controller too) with the statuses and body
 * of CONTRACT.md section 2: `{ statusCode, error, message: [...] }`, plus `command` with a
 * 409. Catches only Ratchet's errors, so it can be registered globally (`APP_FILTER`) beside
 * the host's own filters, or on a controller (`@UseFilters(RatchetExceptionFilter)`).
 */
@Catch(LedgerError, GroupError, FleetError, ReadModelsUnavailableError)
export class RatchetExceptionFilter implements ExceptionFilter {
  constructor(@Optional() private readonly adapterHost?: HttpAdapterHost) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const answer = ratchetErrorResponse(exception);
    if (!answer || host.getType() !== 'http') throw exception;
    const res = host.switchToHttp().getResponse();
    const adapter = this.adapterHost?.httpAdapter;
    if (answer.status === 503) {
      if (adapter) adapter.setHeader(res, 'Retry-After', '1');
      else res.setHeader('Retry-After', '1');
    }
    if (adapter) adapter.reply(res, answer.body, answer.status);
    else res.status(answer.status).json(answer.body);
  }
}
