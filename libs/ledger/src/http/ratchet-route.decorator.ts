import { UseFilters, UseGuards, UsePipes, ValidationPipe, applyDecorators } from '@nestjs/common';
import { ScopeGuard } from './scope.guard.js';
import { HttpErrorFilter } from './http-error.filter.js';

/**
 * What every Ratchet controller carries, so that it behaves the same in the standalone service
 * and mounted in a host application (which may have no global pipe, guard or filter of its
 * own, or other ones): the credential and scope check (@RequireScope), the DTO validation, and errors in the shape of
 * CONTRACT.md section 2. Scoped to the controller: the host's own routes are untouched.
 */
export const RatchetRoute = (): ClassDecorator =>
  applyDecorators(
    UseGuards(ScopeGuard),
    UsePipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true })),
    UseFilters(HttpErrorFilter),
  );
