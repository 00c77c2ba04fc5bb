import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { ANONYMOUS_PRINCIPAL } from '../auth/index.js';

const CALLER = Symbol.for('ratchet.caller');

type WithCaller = { [CALLER]?: string };

/** Set by ScopeGuard: the name of the credential that authenticated the request. */
export const setCaller = (request: object, name: string): void => {
  (request as WithCaller)[CALLER] = name;
};

/**
 * The caller's credential name (`anonymous` when the API is open), to pass on as `issuedBy`:
 * `issue(@Body() body, @Caller() caller: string)`.
 */
export const Caller = createParamDecorator(
  (_: unknown, context: ExecutionContext): string =>
    context.switchToHttp().getRequest<WithCaller>()[CALLER] ?? ANONYMOUS_PRINCIPAL,
);
