/**
 * Nest's LoggerService backed by pino: one JSON object per line on stdout, each with `level`,
 * `time`, `instanceId`, `context` (the Nest logger context) and `msg`, plus the command fields
 * (`commandId`, `deviceId`, `correlationId`) of the log context the line was logged in (see
 * `runWithCommand` in @ratchet/ledger). `text` prints the same lines for a human.
 */
import type { LoggerService, LogLevel } from '@nestjs/common';
import { currentCommandContext, enableCommandLogContext } from '@ratchet/ledger';
import { type DestinationStream, type Logger as Pino, pino } from 'pino';
import { textDestination } from './text-destination.js';

export interface PinoLoggerOptions {
  /** The least severe level printed (Nest's names: `error` … `verbose`). */
  readonly level: LogLevel;
  readonly format: 'json' | 'text';
  /** On every line, so that the lines of several replicas can be told apart. */
  readonly instanceId: string;
  /** Where the lines go; stdout by default (synchronous on Linux, so nothing is lost at exit). */
  readonly destination?: DestinationStream;
  /** For a line logged without a context. */
  readonly defaultContext?: string;
}

/** Nest's levels as pino's (whose names log tooling knows): `log` is `info`, `verbose` `trace`. */
const PINO_LEVEL = {
  fatal: 'fatal',
  error: 'error',
  warn: 'warn',
  log: 'info',
  debug: 'debug',
  verbose: 'trace',
} as const satisfies Record<LogLevel, string>;

/** Most to least severe. */
const NEST_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

export class PinoLogger implements LoggerService {
  readonly pino: Pino;
  private readonly defaultContext: string;

  constructor(options: PinoLoggerOptions) {
    this.defaultContext = options.defaultContext ?? 'Ledger';
    // This logger reads the command log context: the ledger's handlers start filling it.
    enableCommandLogContext();
    const out = options.destination ?? process.stdout;
    this.pino = pino(
      {
        level: PINO_LEVEL[options.level],
        base: { pid: process.pid, instanceId: options.instanceId },
        timestamp: () => `,"time":"${new Date().toISOString()}"`,
        formatters: { level: (label) => ({ level: label }) },
        // The command the line is about, when it is logged inside a command's log context.
        mixin: () => ({ ...currentCommandContext() }),
      },
      options.format === 'text' ? textDestination(out) : out,
    );
  }

  log(message: unknown, ...params: unknown[]): void {
    this.write('log', message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.write('verbose', message, params);
  }
  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  /** Nest passes the enabled levels; the least severe of them becomes the threshold. */
  setLogLevels(levels: LogLevel[]): void {
    const least = NEST_LEVELS.filter((l) => levels.includes(l)).at(-1);
    this.pino.level = least ? PINO_LEVEL[least] : 'silent';
  }

  private write(level: LogLevel, message: unknown, params: unknown[]): void {
    const method = PINO_LEVEL[level];
    if (!this.pino.isLevelEnabled(method)) return;
    const { context, stack, fields, rest } = splitParams(level, params);
    const line: Record<string, unknown> = { context: context ?? this.defaultContext, ...fields };
    let msg: string;
    if (message instanceof Error) {
      msg = message.message;
      line.stack = stack ?? message.stack;
    } else if (isPlainObject(message)) {
      const { msg: m, message: text, ...more } = message;
      Object.assign(line, more);
      msg = String(m ?? text ?? '');
    } else {
      msg = typeof message === 'string' ? message : String(message);
    }
    if (stack !== undefined) line.stack = stack;
    if (rest.length > 0) msg = [msg, ...rest.map(text)].join(' ');
    this.pino[method](line, msg);
  }
}

/**
 * Nest's calling conventions (as its ConsoleLogger reads them): a trailing string is the
 * context; for `error` and `fatal`, the string (or undefined) before it is the stack; plain
 * objects are structured fields.
 */
function splitParams(
  level: LogLevel,
  params: readonly unknown[],
): { context?: string; stack?: string; fields: Record<string, unknown>; rest: unknown[] } {
  const ps = [...params];
  const withStack = level === 'error' || level === 'fatal';
  let context: string | undefined;
  let stack: string | undefined;
  if (withStack && ps.length === 1 && (ps[0] === undefined || isStack(ps[0]))) {
    stack = ps.pop() as string | undefined;
  }
  if (ps.length > 0 && typeof ps.at(-1) === 'string' && !(withStack && isStack(ps.at(-1)))) {
    context = ps.pop() as string;
  }
  if (withStack && ps.length > 0 && (ps.at(-1) === undefined || typeof ps.at(-1) === 'string')) {
    stack = ps.pop() as string | undefined;
  }
  const fields: Record<string, unknown> = {};
  const rest: unknown[] = [];
  for (const p of ps) {
    if (isPlainObject(p)) Object.assign(fields, p);
    else rest.push(p);
  }
  return {
    ...(context === undefined ? {} : { context }),
    ...(stack === undefined ? {} : { stack }),
    fields,
    rest,
  };
}

const isStack = (v: unknown): boolean => typeof v === 'string' && /\n[ \t]+at .+:\d+:\d+/.test(v);

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' &&
  v !== null &&
  (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null);

const text = (v: unknown): string => {
  if (typeof v === 'string') return v;
  if (v instanceof Error) return v.stack ?? v.message;
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
};
