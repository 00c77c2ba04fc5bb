import type { EventStore, RecordedEvent, SqlExecutor } from '@ratchet/event-store';
import { streamOf } from '@ratchet/lifecycle';
import type { CommandRecord } from '../read-model-store.port.js';
import {
  type AuditCursor,
  type AuditPage,
  listDeviceCommands,
  listIssuerCommands,
  ALL_TIME,
} from './device-commands.js';
import { listLateResults } from './late-results.js';

/** One command and its whole stream, oldest event first. */
export interface CommandHistoryEntry {
  readonly command: CommandRecord;
  readonly events: readonly RecordedEvent[];
}

const PAGE = 200;

/** Every page of a keyset-paged query. */
export async function* allPages(
  page: (after: AuditCursor | null) => Promise<AuditPage>,
): AsyncGenerator<CommandRecord> {
  let after: AuditCursor | null = null;
  do {
    const result: AuditPage = await page(after);
    yield* result.items;
    after = result.next;
  } while (after);
}

/** Each command with its stream, read a page at a time (the page's streams concurrently). */
async function* withHistories(
  store: EventStore,
  commands: AsyncIterable<CommandRecord>,
): AsyncGenerator<CommandHistoryEntry> {
  let page: CommandRecord[] = [];
  const flush = async () => {
    const streams = await Promise.all(
      page.map((c) => store.readStream(streamOf(c.state.commandId))),
    );
    const entries = page.map((command, i) => ({ command, events: streams[i] as RecordedEvent[] }));
    page = [];
    return entries;
  };
  for await (const command of commands) {
    page.push(command);
    if (page.length >= 50) yield* await flush();
  }
  yield* await flush();
}

/** Every command issued to the device in `[from, to)`, each with its full history. */
export const deviceHistory = (
  db: SqlExecutor,
  store: EventStore,
  query: { readonly deviceId: string; readonly from?: Date; readonly to?: Date },
): AsyncGenerator<CommandHistoryEntry> => {
  const from = query.from ?? ALL_TIME.from;
  const to = query.to ?? ALL_TIME.to;
  const commands = allPages((after) =>
    listDeviceCommands(db, { deviceId: query.deviceId, from, to, limit: PAGE, after }),
  );
  return withHistories(store, commands);
};

/** The commands one issuer requested in a time range, each with its whole stream. */
export const issuerHistory = (
  db: SqlExecutor,
  store: EventStore,
  query: { readonly issuedBy: string; readonly from?: Date; readonly to?: Date },
): AsyncGenerator<CommandHistoryEntry> => {
  const from = query.from ?? ALL_TIME.from;
  const to = query.to ?? ALL_TIME.to;
  const commands = allPages((after) =>
    listIssuerCommands(db, { issuedBy: query.issuedBy, from, to, limit: PAGE, after }),
  );
  return withHistories(store, commands);
};

/** Every command that timed out and then got its device's result anyway, with its history. */
export const lateResultHistory = (
  db: SqlExecutor,
  store: EventStore,
): AsyncGenerator<CommandHistoryEntry> =>
  withHistories(
    store,
    allPages((after) => listLateResults(db, { limit: PAGE, after })),
  );
