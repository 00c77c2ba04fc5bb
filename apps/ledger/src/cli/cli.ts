import { REBUILDABLE_PROJECTIONS, UnknownProjectionError } from '@ratchet/read-models';
import { ConfigError, loadConfig } from '../config/ledger-config.js';
import {
  auditDevice,
  auditIssuer,
  auditLateResults,
  auditFleet,
  exportCommand,
  exportFleet,
  exportDevice,
} from './commands/audit.js';
import { projectionsStatus } from './commands/projections-status.js';
import { rebuild } from './commands/rebuild.js';
import { verify } from './commands/verify.js';
import { HELP } from './help.js';
import type { CliIo } from './io.js';
import { type CliStorage, openStorage } from './open-storage.js';
import { type CliCommand, parseArgs, UsageError } from './parse-args.js';

export const EXIT = { ok: 0, findings: 1, usage: 2, failed: 3 } as const;

const run = (command: Exclude<CliCommand, { kind: 'help' }>, storage: CliStorage, io: CliIo) => {
  switch (command.kind) {
    case 'projections-status':
      return projectionsStatus(storage, io, command.json);
    case 'projections-rebuild':
      return rebuild(storage, io, command.name, command.batchSize);
    case 'verify':
      return verify(storage, io, command.json, command.maxFindings);
    case 'audit-device':
      return auditDevice(storage, io, command);
    case 'audit-issuer':
      return auditIssuer(storage, io, command);
    case 'audit-late-results':
      return auditLateResults(storage, io, command.json);
    case 'audit-fleet':
      return auditFleet(storage, io, command.fleetCommandId, command.json);
    case 'export-fleet':
      return exportFleet(storage, io, command.fleetCommandId);
    case 'export-command':
      return exportCommand(storage, io, command.commandId);
    case 'export-device':
      return exportDevice(storage, io, command);
    default: {
      const _exhaustive: never = command;
      return _exhaustive;
    }
  }
};

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/**
 * The operator tools: parse, open the stores as the service would, run one command, close.
 * Returns the exit code (see help.ts); never throws.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let command: CliCommand;
  try {
    command = parseArgs(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.err(`ledger: ${e.message}`);
    io.err('ratchet: see npx ratchet --help');
    return EXIT.usage;
  }
  if (command.kind === 'help') {
    io.out(HELP);
    return EXIT.ok;
  }
  // Checked before any store is opened, so that a typo costs nothing.
  if (command.kind === 'projections-rebuild') {
    const names = REBUILDABLE_PROJECTIONS.map((d) => d.projection.name);
    if (!names.includes(command.name)) {
      io.err(`ledger: ${new UnknownProjectionError(command.name).message}`);
      return EXIT.usage;
    }
  }
  let storage: CliStorage;
  try {
    storage = await openStorage(loadConfig(io.env));
  } catch (e) {
    io.err(`ledger: ${message(e)}`);
    return e instanceof ConfigError ? EXIT.usage : EXIT.failed;
  }
  try {
    return await run(command, storage, io);
  } catch (e) {
    io.err(`ledger: ${message(e)}`);
    return e instanceof UnknownProjectionError ? EXIT.usage : EXIT.failed;
  } finally {
    await storage.close().catch((e: unknown) => io.err(`ledger: closing the store: ${message(e)}`));
  }
}
