import {
  type CanActivate,
  type ExecutionContext,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { checkBearer } from './bearer-token.js';

/** Routes marked with this stay open without a token (health probes). */
export const PUBLIC_ROUTE = 'ratchet:public';

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
    const refusal = checkBearer(http.getRequest<Request>().headers.authorization, this.tokens);
    if (!refusal) return true;
    http.getResponse<Response>().setHeader('WWW-Authenticate', refusal.challenge);
    throw new UnauthorizedException([refusal.message]);
  }
}
