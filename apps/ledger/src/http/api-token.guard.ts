import {
  type CanActivate,
  type ExecutionContext,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { bearerFromCookie, checkBearer } from './bearer-token.js';

/** Routes marked with this stay open without a token (health probes). */
export const PUBLIC_ROUTE = 'ratchet:public';
/**
 * Routes marked with this also take the token from the `ratchet_token` cookie when there is no
 * `Authorization` header: only `GET /events`, which a browser's EventSource opens without
 * headers. A read-only stream, so a cookie cannot be used to make the ledger do anything.
 */
export const COOKIE_TOKEN_ROUTE = 'ratchet:cookie-token';

/** Bearer tokens from LEDGER_API_TOKENS; with none configured every request passes. */
@Injectable()
export class ApiTokenGuard implements CanActivate {
  constructor(
    private readonly tokens: readonly string[],
    private readonly reflector: Reflector,
  ) {}

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
