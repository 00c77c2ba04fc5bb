import {
  type CommandHistoryEntry,
  commandHistoryLines,
  deviceHistory,
  historyLines,
  issuerHistory,
  lateResultHistory,
  toJsonLine,
} from '@ratchet/read-models';
import { type CliIo, fmt } from '../io.js';
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
