import {
  type CommandHistoryEntry,
  fleetChildren,
  fleetHistoryLines,
  commandHistoryLines,
  deviceHistory,
  historyLines,
  issuerHistory,
  lateResultHistory,
  toJsonLine,
} from '@ratchet/read-models';
import { type CliIo, fmt } from '../io.js';
import { STATUSES, fleetStreamOf, isUuid } from '@ratchet/lifecycle';
import type { CliStorage } from '../open-storage.js';
import { commandJson, eventJson } from './command-json.js';

const brief = (data: unknown): string => {
  const text = JSON.stringify(data);
  return text.length > 100 ? `${text.slice(0, 97)}...` : text;
};

/** Human: a header per command, a line per event; --json: one line per command. */
const printEntries = async (
  io: CliIo,
  entries: AsyncIterable<CommandHistoryEntry>,
  json: boolean,
): Promise<number> => {
  let n = 0;
  for await (const { command, events } of entries) {
    n += 1;
    if (json) {
      io.out(toJsonLine({ command: commandJson(command), events: events.map(eventJson) }));
      continue;
    }
    const s = command.state;
    const late = s.lateResult ? `, late result ${s.lateResult.status} at ${s.lateResult.at}` : '';
    io.out(
      `\n${s.requestedAt}  ${s.commandId}  ${s.name} on ${s.deviceId}: ${s.status}${late}` +
        `${s.attempt > 1 ? ` (attempt ${s.attempt}, retries ${s.retryOf})` : ''}` +
        `${command.retriedBy ? ` (retried by ${command.retriedBy})` : ''}`,
    );
    for (const e of events) {
      const by = typeof e.metadata?.issuedBy === 'string' ? e.metadata.issuedBy : '-';
      io.out(
        `  ${String(e.revision).padStart(2)} ${e.recordedAt.toISOString()}  ${e.type.padEnd(26)} by ${by.padEnd(16)} ${brief(e.data)}`,
      );
    }
  }
  if (!json) io.out(`\n${fmt(n)} command${n === 1 ? '' : 's'}`);
  return 0;
};

export const auditDevice = (
  storage: CliStorage,
  io: CliIo,
  query: {
    readonly deviceId: string;
    readonly from?: Date;
    readonly to?: Date;
    readonly json: boolean;
  },
): Promise<number> =>
  printEntries(io, deviceHistory(storage.driver, storage.store, query), query.json);

export const auditIssuer = (
  storage: CliStorage,
  io: CliIo,
  query: {
    readonly issuedBy: string;
    readonly from?: Date;
    readonly to?: Date;
    readonly json: boolean;
  },
): Promise<number> =>
  printEntries(io, issuerHistory(storage.driver, storage.store, query), query.json);

export const auditLateResults = (storage: CliStorage, io: CliIo, json: boolean): Promise<number> =>
  printEntries(io, lateResultHistory(storage.driver, storage.store), json);

/** Exit 3 when there is no such command: an export of nothing is a mistake worth a code. */
export const exportCommand = async (
  storage: CliStorage,
  io: CliIo,
  commandId: string,
): Promise<number> => {
  const lines = await commandHistoryLines(storage.store, commandId);
  if (lines.length === 0) {
    io.err(`ledger: no command ${commandId} in the log`);
    return 3;
  }
  for (const line of lines) io.out(toJsonLine(line));
  return 0;
};

export const exportDevice = async (
  storage: CliStorage,
  io: CliIo,
  query: { readonly deviceId: string; readonly from?: Date; readonly to?: Date },
): Promise<number> => {
  for await (const line of historyLines(deviceHistory(storage.driver, storage.store, query))) {
    io.out(toJsonLine(line));
  }
  return 0;
};

/** Exit 3 when there is no such fleet command in the log. */
export const auditFleet = async (
  storage: CliStorage,
  io: CliIo,
  fleetCommandId: string,
  json: boolean,
): Promise<number> => {
  if (!isUuid(fleetCommandId)) {
    io.err(`ledger: ${fleetCommandId} is not a fleet command id (a UUID)`);
    return 3;
  }
  const id = fleetCommandId.toLowerCase();
  const events = await storage.store.readStream(fleetStreamOf(id));
  if (events.length === 0) {
    io.err(`ledger: no fleet command ${id} in the log`);
    return 3;
  }
  const requested = events[0]!.data as {
    request: { name: string; target: unknown; rollout: unknown; abort: unknown };
    targets: number;
    issuedBy: string;
  };
  if (json) io.out(toJsonLine({ fleetCommandId: id, events: events.map(eventJson) }));
  else {
    io.out(
      `fleet command ${id}: ${requested.request.name} to ${JSON.stringify(requested.request.target)}, ` +
        `${fmt(requested.targets)} targets, issued by ${requested.issuedBy}`,
    );
    io.out(
      `  rollout ${JSON.stringify(requested.request.rollout)}, abort ${JSON.stringify(requested.request.abort)}`,
    );
    for (const e of events) {
      const by = typeof e.metadata?.issuedBy === 'string' ? e.metadata.issuedBy : '-';
      const instance = typeof e.metadata?.instanceId === 'string' ? e.metadata.instanceId : '-';
      const data = e.type === 'FleetCommandRequested' ? '' : brief(e.data);
      io.out(
        `  ${String(e.revision).padStart(4)} ${e.recordedAt.toISOString()}  ${e.type.padEnd(24)} by ${by.padEnd(12)} on ${instance.padEnd(16)} ${data}`.trimEnd(),
      );
    }
    io.out('\nchildren (from fleet_progress):');
  }
  const counts: Record<string, number> = {};
  let n = 0;
  for await (const c of fleetChildren(storage.driver, id)) {
    n += 1;
    counts[c.status] = (counts[c.status] ?? 0) + 1;
    if (json) io.out(toJsonLine({ child: c }));
    else {
      io.out(
        `  ${c.commandId}  ${c.deviceId.padEnd(24)} ${c.status.padEnd(12)} attempt ${c.attempt}` +
          `${c.outcome ? `, final: ${c.outcome}` : ''}`,
      );
    }
  }
  if (!json) {
    io.out(
      `\n${fmt(n)} children of ${fmt(requested.targets)} targets: ${
        STATUSES.filter((st) => counts[st])
          .map((st) => [st, counts[st]!] as const)
          .map(([s, k]) => `${s} ${fmt(k)}`)
          .join(', ') || 'none yet'
      }`,
    );
  }
  return 0;
};

export const exportFleet = async (
  storage: CliStorage,
  io: CliIo,
  fleetCommandId: string,
): Promise<number> => {
  if (!isUuid(fleetCommandId)) {
    io.err(`ledger: ${fleetCommandId} is not a fleet command id (a UUID)`);
    return 3;
  }
  let n = 0;
  for await (const line of fleetHistoryLines(
    storage.driver,
    storage.store,
    fleetCommandId.toLowerCase(),
  )) {
    n += 1;
    io.out(toJsonLine(line));
  }
  if (n === 0) {
    io.err(`ledger: no fleet command ${fleetCommandId} in the log`);
    return 3;
  }
  return 0;
};
