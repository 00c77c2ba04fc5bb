import {
  type CanActivate,
  type ExecutionContext,
  Inject,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { bearerFromCookie, checkBearer } from './bearer-token.js';
import { RATCHET_HTTP_OPTIONS, type RatchetHttpOptions } from './ratchet-http.options.js';

/** Routes marked with this stay open without a token (health probes). */
export const PUBLIC_ROUTE = 'ratchet:public';
/**
 * Routes marked with this also take the token from the `ratchet_token` cookie when there is no
 * `Authorization` header: only `GET /events`, which a browser's EventSource opens without
 * headers. A read-only stream, so a cookie cannot be used to make the ledger do anything.
 */
export const COOKIE_TOKEN_ROUTE = 'ratchet:cookie-token';

/**
 * Bearer tokens from LEDGER_API_TOKENS (`RatchetHttpModule.forRoot({ apiTokens })`); with none
 * configured every request passes. On Ratchet's controllers only, never the host's routes.
 */
@Injectable()
export class ApiTokenGuard implements CanActivate {
  private readonly tokens: readonly string[];

  constructor(
    @Inject(RATCHET_HTTP_OPTIONS) options: RatchetHttpOptions,
    private readonly reflector: Reflector,
  ) {
    this.tokens = options.apiTokens ?? [];
  }

  canActivate(context: ExecutionContext): boolean {
    if (this.tokens.length === 0) return true;
    const open = this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (open) return true;
    const http = context.switchToHttp();
    const { headers, method } = http.getRequest<Request>();
    const cookieAllowed =
      method === 'GET' &&
      this.reflector.getAllAndOverride<boolean>(COOKIE_TOKEN_ROUTE, [
        context.getHandler(),
        context.getClass(),
      ]);
    const presented =
      headers.authorization ?? (cookieAllowed ? bearerFromCookie(headers.cookie) : undefined);
    const refusal = checkBearer(presented, this.tokens);
    if (!refusal) return true;
    http.getResponse<Response>().setHeader('WWW-Authenticate', refusal.challenge);
    throw new UnauthorizedException([refusal.message]);
  }
}
