import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiExtension, ApiResponse } from '@nestjs/swagger';
import type { Scope } from '../auth/index.js';
import { json } from './openapi/api-schemas.js';

/** Route metadata: the scope a credential needs for the route. */
export const REQUIRED_SCOPE = 'ratchet:required-scope';
/** Route metadata: open without a token (health probes). */
export const PUBLIC_ROUTE = 'ratchet:public';
/**
 * Routes marked with this also take the token from the `ratchet_token` cookie when there is no
 * `Authorization` header: only `GET /events`, which a browser's EventSource opens without
 * headers. A read-only stream, so a cookie cannot be used to make the ledger do anything.
 */
export const COOKIE_TOKEN_ROUTE = 'ratchet:cookie-token';
/** The OpenAPI extension that names each operation's scope (`public` for the open ones). */
export const SCOPE_EXTENSION = 'x-ratchet-scope';

/**
 * The scope a credential needs to call this route (on a handler, or on a controller for all
 * of its handlers). Every route declares one or is `@PublicRoute()`: the guard refuses a route
 * that declares neither, and test/scopes.e2e-spec.ts walks the API document to prove none
 * does. Also documents the scope and the `403` in the API document.
 */
export const RequireScope = (scope: Scope) =>
  applyDecorators(
    SetMetadata(REQUIRED_SCOPE, scope),
    ApiExtension(SCOPE_EXTENSION, scope),
    ApiResponse(
      json(
        403,
        `The credential is valid but lacks the \`${scope}\` scope (with \`WWW-Authenticate: Bearer error="insufficient_scope"\`).`,
        'Error',
      ),
    ),
  );

/** Open to anyone, with or without a token: the health probes only. */
export const PublicRoute = () =>
  applyDecorators(SetMetadata(PUBLIC_ROUTE, true), ApiExtension(SCOPE_EXTENSION, 'public'));
