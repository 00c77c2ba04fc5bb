import {
  type ArgumentsHost,
  Catch,
  type ExceptionFilter,
  HttpException,
  HttpStatus,
  Logger,
} from '@nestjs/common';
import type { Response } from 'express';
import { FleetError, GroupError, LedgerError, toCommandView } from '../index.js';

const LEDGER_STATUS = {
  invalid_request: HttpStatus.BAD_REQUEST,
  not_found: HttpStatus.NOT_FOUND,
  id_conflict: HttpStatus.CONFLICT,
  not_cancellable: HttpStatus.CONFLICT,
  payload_too_large: HttpStatus.PAYLOAD_TOO_LARGE,
} as const;

const GROUP_STATUS = {
  invalid_request: HttpStatus.BAD_REQUEST,
  too_many_ids: HttpStatus.PAYLOAD_TOO_LARGE,
  group_full: HttpStatus.PAYLOAD_TOO_LARGE,
  not_found: HttpStatus.NOT_FOUND,
  not_a_member: HttpStatus.NOT_FOUND,
  read_model_behind: HttpStatus.SERVICE_UNAVAILABLE,
} as const;

const FLEET_STATUS = {
  invalid_request: HttpStatus.BAD_REQUEST,
  too_large: HttpStatus.PAYLOAD_TOO_LARGE,
  not_found: HttpStatus.NOT_FOUND,
  id_conflict: HttpStatus.CONFLICT,
  not_pausable: HttpStatus.CONFLICT,
  not_resumable: HttpStatus.CONFLICT,
  not_cancellable: HttpStatus.CONFLICT,
  read_model_behind: HttpStatus.SERVICE_UNAVAILABLE,
} as const;

const REASON: Record<number, string> = {
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

/**
 * Every error in one shape: `{ statusCode, error, message: [...] }` (CONTRACT.md section 2).
 * Unexpected errors are logged with their stack and answered 500 without internals.
 */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const { status, messages, extra } = this.describe(exception);
    if (status === 503) res.setHeader('Retry-After', '1');
    res
      .status(status)
      .json({ statusCode: status, error: REASON[status] ?? 'Error', message: messages, ...extra });
  }

  private describe(e: unknown): {
    status: number;
    messages: string[];
    extra?: Record<string, unknown>;
  } {
    if (e instanceof LedgerError) {
      const extra = e.state ? { command: toCommandView(e.state, null) } : undefined;
      return { status: LEDGER_STATUS[e.code], messages: [...e.messages], extra };
    }
    if (e instanceof FleetError) {
      const extra = e.fleet ? { fleetCommand: e.fleet } : undefined;
      return { status: FLEET_STATUS[e.code], messages: [...e.messages], extra };
    }
    if (e instanceof GroupError) {
      return { status: GROUP_STATUS[e.code], messages: [...e.messages] };
    }
    if (e instanceof HttpException) {
      const body = e.getResponse();
      const message =
        typeof body === 'object' && body !== null ? (body as { message?: unknown }).message : body;
      return {
        status: e.getStatus(),
        messages: Array.isArray(message) ? message.map(String) : [String(message ?? e.message)],
      };
    }
    // body-parser's errors carry their own status (400 bad JSON, 413 too large, 415 charset).
    const parserStatus = (e as { status?: unknown; type?: unknown })?.status;
    if (typeof parserStatus === 'number' && parserStatus >= 400 && parserStatus < 500) {
      const text =
        parserStatus === 413
          ? 'request body is larger than allowed (payload at most 64 KiB)'
          : `request body: ${(e as Error).message}`;
      return { status: parserStatus, messages: [text] };
    }
    this.logger.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
    return { status: 500, messages: ['internal error; the ledger logged the cause'] };
  }
}
