import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { TransitionMetadata } from '@ratchet/lifecycle';
import { ANONYMOUS_PRINCIPAL, SYSTEM_PRINCIPAL } from '../auth/scopes.js';
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
    extra?: Pick<TransitionMetadata, 'mqtt' | 'issuedBy' | 'epoch'>,
  ): TransitionMetadata {
    return {
      correlationId: correlationId ?? randomUUID(),
      causationId: causationId ?? null,
      instanceId: this.instanceId,
      source,
      ...extra,
      issuedBy: extra?.issuedBy ?? defaultIssuer(source),
    };
  }
}

/** Who caused an input that does not say: the ledger itself, or an unnamed caller. */
const defaultIssuer = (source: NonNullable<TransitionMetadata['source']>): string => {
  switch (source) {
    case 'sweeper':
    case 'retry':
    case 'dispatcher':
    case 'rollout':
      return SYSTEM_PRINCIPAL;
    case 'http':
    case 'bus':
    case 'mqtt':
      return ANONYMOUS_PRINCIPAL;
    default: {
      const _exhaustive: never = source;
      return _exhaustive;
    }
  }
};

/** `issuedBy` of a device's ack or result: the device whose topic it came on. */
export const deviceIssuer = (deviceId: string): string => `device:${deviceId}`;

/** An issuer a host passes on the bus: a non-empty line of text, at most 200 characters. */
export const issuerProblem = (issuedBy: unknown): string | null =>
  typeof issuedBy === 'string' &&
  issuedBy.length >= 1 &&
  issuedBy.length <= 200 &&
  ![...issuedBy].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)
    ? null
    : 'issuedBy must be a non-empty string of at most 200 characters without control characters';

/** What a caller on the bus may say about where a command came from. */
export interface Provenance {
  readonly correlationId?: string;
  readonly causationId?: string;
  /**
   * Who asks (the host's principal, e.g. from its request context), recorded as
   * `metadata.issuedBy`; default `anonymous`. The HTTP API passes the credential's name.
   */
  readonly issuedBy?: string;
}
