import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { TransitionMetadata } from '@ratchet/lifecycle';
import { RATCHET_OPTIONS, type RatchetModuleOptions } from '../options/ratchet.options.js';

/** Builds event metadata: who wrote it, why, and in answer to what. */
@Injectable()
export class InstanceMetadata {
  readonly instanceId: string;

  constructor(@Inject(RATCHET_OPTIONS) options: RatchetModuleOptions) {
    this.instanceId = options.instanceId ?? `${hostname()}:${process.pid}`;
  }

  build(
    source: NonNullable<TransitionMetadata['source']>,
    correlationId?: string | null,
    causationId?: string | null,
    extra?: Pick<TransitionMetadata, 'mqtt'>,
  ): TransitionMetadata {
    return {
      correlationId: correlationId ?? randomUUID(),
      causationId: causationId ?? null,
      instanceId: this.instanceId,
      source,
      ...extra,
    };
  }
}

/** What a caller on the bus may say about where a command came from. */
export interface Provenance {
  readonly correlationId?: string;
  readonly causationId?: string;
}
