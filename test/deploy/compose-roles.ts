/**
 * The roles docker-compose.yml gives its services, read from the file: the ledger replicas
 * (the image's own command), the device simulators (its device-sim entry point, with the
 * arguments the simulator's own parser reads), and the accounts they use.
 */
import { createHash } from 'node:crypto';
import { parseArgs } from '@ratchet/device-sim';
import type { FleetOptions } from '@ratchet/device-sim';
import {
  type ComposeFile,
  type ComposeService,
  asList,
  buildOf,
  environmentOf,
} from './compose-file.js';

/** What the tests set where compose would read the operator's environment (or .env). */
export const TEST_TOKENS = ['compose-test-token-0123456789', 'compose-test-token-abcdefghij'];
const sha256 = (token: string) => createHash('sha256').update(token).digest('hex');
/** Two named credentials, as docs/operations.md's Production section makes them. */
export const TEST_CREDENTIALS = ['ops', 'automation'] as const;
export const TEST_VARIABLES = {
  LEDGER_API_CREDENTIALS: [
    `ops:read+issue+admin:${sha256(TEST_TOKENS[0]!)}`,
    `automation:read+issue:${sha256(TEST_TOKENS[1]!)}`,
  ].join(','),
};

export const DEVICE_SIM_MAIN = 'apps/device-sim/dist/main.js';

export interface LedgerReplica {
  readonly name: string;
  readonly service: ComposeService;
  readonly env: Record<string, string>;
}

export interface DeviceSim {
  readonly name: string;
  readonly service: ComposeService;
  readonly entrypoint: string[];
  readonly args: string[];
  readonly fleet: FleetOptions & { readonly url: string };
}

/** Services built from the repository's Dockerfile that run its CMD (the ledger) unchanged. */
export function ledgerReplicas(compose: ComposeFile): LedgerReplica[] {
  return Object.entries(compose.services)
    .filter(([, s]) => buildOf(s) && s.entrypoint === undefined && s.command === undefined)
    .map(([name, service]) => ({ name, service, env: environmentOf(service) }));
}

export function deviceSims(compose: ComposeFile): DeviceSim[] {
  return Object.entries(compose.services).flatMap(([name, service]): DeviceSim[] => {
    const entrypoint = asList(service.entrypoint);
    if (!entrypoint.includes(DEVICE_SIM_MAIN)) return [];
    const args = asList(service.command);
    const parsed = parseArgs(args);
    if (parsed.kind !== 'run')
      throw new Error(`${name}: the simulator would not run: ${JSON.stringify(parsed)}`);
    // parseArgs always sets the URL (its default when --url is absent).
    return [
      { name, service, entrypoint, args, fleet: { ...parsed.fleet, url: parsed.fleet.url! } },
    ];
  });
}

export const ledgerAccount = (replica: LedgerReplica) => ({
  username: replica.env['MQTT_USERNAME']!,
  password: replica.env['MQTT_PASSWORD']!,
});

/** A simulator's device: its id, and its TLS files as the container sees them. */
export const deviceIdentity = (sim: DeviceSim) => ({
  id: sim.fleet.deviceIds![0]!,
  caFile: sim.fleet.tls!.caFile!,
  certFile: sim.fleet.tls!.certFile!,
  keyFile: sim.fleet.tls!.keyFile!,
});
