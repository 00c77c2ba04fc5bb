import type { RecordedEvent } from '@ratchet/event-store';
import { toCommandView, toHistoryEventView } from '@ratchet/ledger';
import type { CommandRecord } from '@ratchet/read-models';

/** A command as the HTTP API shows it (CONTRACT.md section 2). */
export const commandJson = ({ state, retriedBy }: CommandRecord) => toCommandView(state, retriedBy);

/** An event as the API's history shows it. */
export const eventJson = (e: RecordedEvent) => toHistoryEventView(e);
