/**
 * The command a piece of work is about, carried by AsyncLocalStorage so that a logger can put
 * its ids on every line logged inside it (the app's pino logger does, through its mixin),
 * without threading them through every call. Nothing here logs or depends on a logging library.
 *
 * Off until a reader turns it on (`enableCommandLogContext`): on Node 20 an AsyncLocalStorage
 * in use makes every promise pay for async tracking, so a RatchetModule in an application
 * whose logger never reads the context runs exactly as without it.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export interface CommandLogFields {
  readonly commandId: string;
  readonly deviceId?: string;
  readonly correlationId?: string;
}

type Store = { commandId: string; deviceId?: string; correlationId?: string };

let storage: AsyncLocalStorage<Store> | null = null;

/** Turns the context on, for a logger that reads it. Idempotent; there is no way back. */
export function enableCommandLogContext(): void {
  storage ??= new AsyncLocalStorage<Store>();
}

/**
 * Runs `fn` with `fields` as the current command. Inside the context of the same command, the
 * fields already known (a device id, a correlation id) are kept unless given again; inside
 * another command's context (a retry issued while handling its predecessor), nothing is
 * inherited. Work started inside (a background dispatch, a timer) stays in the context.
 */
export function runWithCommand<T>(fields: CommandLogFields, fn: () => T): T {
  if (!storage) return fn();
  const parent = storage.getStore();
  const base = parent && parent.commandId === fields.commandId ? parent : undefined;
  return storage.run({ ...base, ...defined(fields) } as Store, fn);
}

/**
 * Adds what became known about the current command (its device id or correlation id once the
 * stream was read). Mutates the current context, so lines logged afterwards by anything in it
 * carry them; outside any command context it does nothing.
 */
export function enrichCommandContext(fields: Partial<CommandLogFields>): void {
  const store = storage?.getStore();
  if (store) Object.assign(store, defined(fields));
}

/** The current command's fields; `undefined` outside any command context (or while off). */
export function currentCommandContext(): Readonly<CommandLogFields> | undefined {
  return storage?.getStore();
}

const defined = <T extends object>(fields: T): Partial<T> =>
  Object.fromEntries(
    Object.entries(fields).filter(([, v]) => v !== undefined && v !== null),
  ) as Partial<T>;
