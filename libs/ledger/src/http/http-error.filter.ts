import {
  type ArgumentsHost,
  Catch,
  type ExceptionFilter,
  HttpException,
  Logger,
} from '@nestjs/common';
import type { Response } from 'express';
import { HTTP_REASON, ratchetErrorResponse } from '../ratchet-exception.filter.js';

/**
 * Every error in one shape: `{ statusCode, error, message: [...] }` (CONTRACT.md section 2):
 * Ratchet's own as RatchetExceptionFilter answers them (with their `code`), Nest's and the body
 * parser's with their status.
 * Unexpected errors are logged with their stack and answered 500 without internals.
 */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const ratchet = ratchetErrorResponse(exception);
    if (ratchet) {
      if (ratchet.code === 'unavailable') this.logUnavailable(exception);
      if (ratchet.status === 503) res.setHeader('Retry-After', '1');
      res.status(ratchet.status).json(ratchet.body);
      return;
    }
    const { status, messages } = this.describe(exception);
    if (status === 503) res.setHeader('Retry-After', '1');
    res
      .status(status)
      .json({ statusCode: status, error: HTTP_REASON[status] ?? 'Error', message: messages });
  }

  /** At most one line a second: an outage fails every request. */
  private lastUnavailableLog = 0;
  private logUnavailable(e: unknown): void {
    const now = Date.now();
    if (now - this.lastUnavailableLog < 1_000) return;
    this.lastUnavailableLog = now;
    this.logger.warn(`answered 503 (store or broker unavailable): ${String(e)}`);
  }

  private describe(e: unknown): { status: number; messages: string[] } {
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
