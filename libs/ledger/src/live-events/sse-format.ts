import type { Position } from '@ratchet/event-store';
import type { LiveTransition } from './live-transition.js';

/**
 * Server-Sent Events as the WHATWG HTML standard parses them: fields `id`, `event`, `data`,
 * a blank line ending each message, `:` starting a comment. Every value here is one line
 * (JSON.stringify escapes line breaks; positions are hex), so no field needs splitting.
 */
export const renderTransition = (t: LiveTransition): string =>
  `id: ${t.position}\nevent: transition\ndata: ${JSON.stringify({
    commandId: t.commandId,
    deviceId: t.deviceId,
    fleetCommandId: t.fleetCommandId,
    type: t.type,
    status: t.status,
    revision: t.revision,
    at: t.at,
  })}\n\n`;

/**
 * A comment, and, when known, the position the stream has reached: a message with an `id` and
 * no data dispatches nothing but sets the client's last event id, so a client that reconnects
 * after a quiet spell (or after events its filter skipped) resumes from here.
 */
export const renderKeepAlive = (comment: string, position: Position | null): string =>
  `: ${comment}\n${position ? `id: ${position}\n` : ''}\n`;

/** How long a browser waits before reconnecting after the stream ends (EventSource `retry`). */
export const renderRetry = (ms: number): string => `retry: ${ms}\n\n`;
