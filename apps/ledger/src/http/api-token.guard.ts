import {
  type CanActivate,
  type ExecutionContext,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { timingSafeEqual } from 'node:crypto';

/** Routes marked with this stay open without a token (health probes). */
export const PUBLIC_ROUTE = 'ratchet:public';

/** Bearer tokens from LEDGER_API_TOKENS; with none configured every request passes. */
@Injectable()
export class ApiTokenGuard implements CanActivate {
  private readonly tokens: Buffer[];

  constructor(
    tokens: readonly string[],
    private readonly reflector: Reflector,
  ) {
    this.tokens = tokens.map((t) => Buffer.from(t));
  }

  canActivate(context: ExecutionContext): boolean {
    if (this.tokens.length === 0) return true;
    const open = this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (open) return true;
    const header = context.switchToHttp().getRequest<Request>().headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match)
      throw new UnauthorizedException(['an Authorization: Bearer <token> header is required']);
    const given = Buffer.from(match[1]!);
    // Compare against every token in constant time per token, so timing tells nothing.
    const ok = this.tokens.some((t) => t.length === given.length && timingSafeEqual(t, given));
    if (!ok) throw new UnauthorizedException(['the bearer token is not valid']);
    return true;
  }
}
