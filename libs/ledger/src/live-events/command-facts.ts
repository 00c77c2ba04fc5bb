import type { EventStore, RecordedEvent } from '@ratchet/event-store';
import {
  COMMAND_STREAM_PREFIX,
  type TerminalStatus,
  TRANSITIONS,
  isTerminal,
} from '@ratchet/lifecycle';

/**
 * What a live event needs to know about its command beyond the event itself. Each fact is
 * fixed once known (a device and a fleet are set at request; a terminal status is never
 * left), so one cache serves every reader of the log, whatever position it reads at.
 */
export interface CommandFacts {
  readonly deviceId: string;
  readonly fleetCommandId: string | null;
  /** The terminal status, once the command has one. */
  readonly terminal: TerminalStatus | null;
}

const fleetOf = (data: Readonly<Record<string, unknown>>): string | null =>
  typeof data.fleetCommandId === 'string' ? data.fleetCommandId : null;

const terminalOf = (type: string): TerminalStatus | null => {
  const to = Object.hasOwn(TRANSITIONS, type)
    ? TRANSITIONS[type as keyof typeof TRANSITIONS].to
    : null;
  return to && isTerminal(to) ? to : null;
};

/**
 * The facts of the commands whose events pass by, the most recently used `capacity` of them.
 * A command not held (evicted, or requested before this process started reading) is read
 * from its stream once; concurrent misses of one command share that read.
 */
export class CommandFactsCache {
  readonly #entries = new Map<string, CommandFacts>();
  readonly #loading = new Map<string, Promise<CommandFacts | null>>();

  constructor(
    private readonly store: Pick<EventStore, 'readStream'>,
    private readonly capacity = 10_000,
  ) {}

  get size(): number {
    return this.#entries.size;
  }

  /** The facts as of `event` (null: its stream has no `CommandRequested`, a corrupt stream). */
  async factsFor(event: RecordedEvent): Promise<CommandFacts | null> {
    const commandId = event.stream.slice(COMMAND_STREAM_PREFIX.length);
    const known = this.#entries.get(commandId);
    if (event.type === 'CommandRequested') {
      // A reader behind another (a client catching up) must not forget a terminal status.
      return this.#remember(
        commandId,
        known ?? {
          deviceId: String(event.data.deviceId),
          fleetCommandId: fleetOf(event.data),
          terminal: null,
        },
      );
    }
    const terminal = terminalOf(event.type);
    if (known && (known.terminal || event.type !== 'CommandLateResultObserved')) {
      // Refresh its place in the eviction order, and learn the terminal status as it comes.
      return this.#remember(
        commandId,
        terminal && !known.terminal ? { ...known, terminal } : known,
      );
    }
    const loaded = await this.#load(commandId, event.stream);
    return loaded && terminal && !loaded.terminal ? { ...loaded, terminal } : loaded;
  }

  #remember(commandId: string, facts: CommandFacts): CommandFacts {
    this.#entries.delete(commandId);
    this.#entries.set(commandId, facts);
    if (this.#entries.size > this.capacity) {
      this.#entries.delete(this.#entries.keys().next().value as string);
    }
    return facts;
  }

  #load(commandId: string, stream: string): Promise<CommandFacts | null> {
    const inFlight = this.#loading.get(commandId);
    if (inFlight) return inFlight;
    const loading = this.store
      .readStream(stream)
      .then((events) => {
        const requested = events[0]?.type === 'CommandRequested' ? events[0] : undefined;
        if (!requested) return null;
        const terminal = events.map((e) => terminalOf(e.type)).find((t) => t !== null) ?? null;
        return this.#remember(commandId, {
          deviceId: String(requested.data.deviceId),
          fleetCommandId: fleetOf(requested.data),
          terminal,
        });
      })
      .finally(() => this.#loading.delete(commandId));
    this.#loading.set(commandId, loading);
    return loading;
  }
}
