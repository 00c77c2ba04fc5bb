import { type DynamicModule, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { ApiCredentialRegistry } from '../auth/credential-registry.js';
import { legacyTokenCredentials } from '../auth/api-credentials.js';
import { ScopeGuard } from './scope.guard.js';
import { CommandListController } from './command-list.controller.js';
import { CommandsController } from './commands.controller.js';
import { DevicesController } from './devices.controller.js';
import { EventsController } from './events.controller.js';
import { FleetCommandsController } from './fleet-commands.controller.js';
import { GroupsController } from './groups.controller.js';
import { HealthController } from './health.controller.js';
import { HttpErrorFilter } from './http-error.filter.js';
import { LedgerHealthIndicators } from './ledger-health.indicators.js';
import { MetricsController } from './metrics.controller.js';
import { ProjectionMetrics } from './projection-metrics.js';
import { applyOpenApiNotes } from './openapi/apply-openapi-notes.js';
import { RATCHET_HTTP_OPTIONS, type RatchetHttpOptions } from './ratchet-http.options.js';

/** The credentials the guard asks: the given registry, or one made of the given lists. */
const registryOf = ({ credentials, apiTokens = [] }: RatchetHttpOptions): ApiCredentialRegistry =>
  credentials instanceof ApiCredentialRegistry
    ? credentials
    : new ApiCredentialRegistry([...(credentials ?? []), ...legacyTokenCredentials(apiTokens)]);

// The DTOs' descriptions, noted without Swagger (the main entry point does not load it).
applyOpenApiNotes();

/** Every controller of the HTTP API (CONTRACT.md section 2); a new one is added here. */
export const RATCHET_CONTROLLERS = [
  CommandListController,
  CommandsController,
  DevicesController,
  EventsController,
  FleetCommandsController,
  GroupsController,
  HealthController,
  MetricsController,
];

/**
 * The HTTP API of CONTRACT.md section 2 as a module a host application mounts beside
 * `RatchetModule` (which it needs): the same controllers the standalone service serves. Each
 * carries its own token guard, validation and error filter (`@RatchetRoute()`), so nothing of
 * it applies to the host's routes. Needs `@nestjs/terminus` and `@nestjs/swagger` installed.
 */
@Module({})
export class RatchetHttpModule {
  static forRoot(options: RatchetHttpOptions = {}): DynamicModule {
    return {
      module: RatchetHttpModule,
      // The health controller says what changed; terminus would log every failed probe.
      imports: [TerminusModule.forRoot({ logger: false })],
      controllers: RATCHET_CONTROLLERS,
      providers: [
        { provide: RATCHET_HTTP_OPTIONS, useValue: options },
        { provide: ApiCredentialRegistry, useValue: registryOf(options) },
        ScopeGuard,
        HttpErrorFilter,
        LedgerHealthIndicators,
        ProjectionMetrics,
      ],
      exports: [LedgerHealthIndicators, RATCHET_HTTP_OPTIONS, ApiCredentialRegistry],
    };
  }
}
