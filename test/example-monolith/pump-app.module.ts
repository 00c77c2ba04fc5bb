import { CqrsModule } from '@nestjs/cqrs';
import { type DynamicModule, Module } from '@nestjs/common';
import type { EventStore } from '@ratchet/event-store';
import { RatchetModule } from '@ratchet/ledger';
import { PumpControlService } from './pump-control.service.js';

/** How a NestJS monolith adopts the ledger: import RatchetModule, use its bus. */
@Module({})
export class PumpAppModule {
  static withLedger(eventStore: EventStore, mqttUrl?: string): DynamicModule {
    return {
      module: PumpAppModule,
      imports: [
        CqrsModule.forRoot(),
        RatchetModule.forRootAsync({
          useFactory: () => ({
            eventStore,
            ownsStore: true,
            ...(mqttUrl ? { mqtt: { url: mqttUrl } } : {}),
          }),
        }),
      ],
      providers: [PumpControlService],
    };
  }
}
