import { EventEmitter } from 'node:events';
import type { LiveSink } from '../src/live-events/live-client.js';

/** One message of an SSE stream as a client parses it (comments dropped). */
export interface ParsedMessage {
  readonly id: string | null;
  readonly event: string | null;
  readonly data: Record<string, unknown> | null;
  readonly comment: string | null;
}

export const parseSse = (text: string): ParsedMessage[] =>
  text
    .split('\n\n')
    .filter((block) => block.trim() !== '')
    .map((block) => {
      const fields = new Map<string, string>();
      let comment: string | null = null;
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) comment = line.slice(1).trim();
        else {
          const colon = line.indexOf(':');
          fields.set(line.slice(0, colon), line.slice(colon + 1).replace(/^ /, ''));
        }
      }
      const data = fields.get('data');
      return {
        id: fields.get('id') ?? null,
        event: fields.get('event') ?? null,
        data: data === undefined ? null : (JSON.parse(data) as Record<string, unknown>),
        comment,
      };
    });

/**
 * An in-memory response: `stuck` makes every write report a full buffer and never drain,
 * as a client that stopped reading does.
 */
export class MemorySink extends EventEmitter implements LiveSink {
  text = '';
  destroyed = false;
  ended = false;

  constructor(private readonly stuck = false) {
    super();
  }

  write(chunk: string): boolean {
    this.text += chunk;
    return !this.stuck;
  }

  end(): void {
    this.ended = true;
    this.emit('close');
  }

  destroy(): void {
    this.destroyed = true;
    this.emit('close');
  }

  /** The transitions received so far. */
  get transitions() {
    return parseSse(this.text).filter((m) => m.event === 'transition');
  }
}
