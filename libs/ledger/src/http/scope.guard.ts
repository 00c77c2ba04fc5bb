import {
  type CanActivate,
  type ExecutionContext,
  ForbiddenException,
  Injectable,
  Logger,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ANONYMOUS_PRINCIPAL, ApiCredentialRegistry, type Scope } from '../auth/index.js';
import type { Request, Response } from 'express';
import { bearerFromCookie, checkBearer } from './bearer-token.js';
import { COOKIE_TOKEN_ROUTE, PUBLIC_ROUTE, REQUIRED_SCOPE } from './require-scope.decorator.js';
import { setCaller } from './caller.decorator.js';

/**
 * Every request but the health probes: `401` without a known token, `403` when the token's
 * credential lacks the route's scope (CONTRACT.md section 2). The credential's name becomes
 * the request's caller (`@Caller()`), recorded as `metadata.issuedBy`. With no credentials
 * configured every request passes as `anonymous`. A route that declares no scope is refused
 * (fail closed): that is a bug, and the log says which route.
 */
@Injectable()
export class ScopeGuard implements CanActivate {
  private readonly logger = new Logger('ApiAuth');

  constructor(
    private readonly registry: ApiCredentialRegistry,
    private readonly reflector: Reflector,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const targets = [context.getHandler(), context.getClass()];
    const http = context.switchToHttp();
    const request = http.getRequest<Request>();
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;
    const scope = this.reflector.getAllAndOverride<Scope | undefined>(REQUIRED_SCOPE, targets);
    const route = `${request.method} ${request.route?.path ?? request.path}`;
    if (!this.registry.enabled) {
      setCaller(request, ANONYMOUS_PRINCIPAL);
      return true;
    }
    if (!scope) {
      this.logger.error(`${route} declares no scope (@RequireScope): refused to everyone`);
      throw new ForbiddenException([`${route} declares no scope: refused`]);
    }
    const cookieAllowed =
      request.method === 'GET' &&
      this.reflector.getAllAndOverride<boolean>(COOKIE_TOKEN_ROUTE, targets);
    const presented =
      request.headers.authorization ??
      (cookieAllowed ? bearerFromCookie(request.headers.cookie) : undefined);
    const check = checkBearer(presented, this.registry.current());
    const response = http.getResponse<Response>();
    if (!check.ok) {
      response.setHeader('WWW-Authenticate', check.challenge);
      throw new UnauthorizedException([check.message]);
    }
    const { credential } = check;
    if (!credential.scopes.has(scope)) {
      const has = [...credential.scopes].join('+');
      // A client configured with the wrong credential: worth a line, with no secret in it.
      this.logger.warn(`${route}: credential ${credential.name} (${has}) lacks scope ${scope}`);
      response.setHeader(
        'WWW-Authenticate',
        `Bearer realm="ratchet", error="insufficient_scope", scope="${scope}"`,
      );
      throw new ForbiddenException([
        `credential ${credential.name} lacks the ${scope} scope (it has ${has})`,
      ]);
    }
    setCaller(request, credential.name);
    return true;
  }
}
