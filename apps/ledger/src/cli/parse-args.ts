/** What the command line asks for; parsing is plain (no dependency), strict and total. */
export type CliCommand =
  | { readonly kind: 'help' }
  | { readonly kind: 'projections-status'; readonly json: boolean }
  | { readonly kind: 'projections-rebuild'; readonly name: string; readonly batchSize?: number }
  | { readonly kind: 'verify'; readonly json: boolean; readonly maxFindings?: number }
  | {
      readonly kind: 'audit-device';
      readonly deviceId: string;
      readonly from?: Date;
      readonly to?: Date;
      readonly json: boolean;
    }
  | {
      readonly kind: 'audit-issuer';
      readonly issuedBy: string;
      readonly from?: Date;
      readonly to?: Date;
      readonly json: boolean;
    }
  | { readonly kind: 'audit-late-results'; readonly json: boolean }
  | { readonly kind: 'export-command'; readonly commandId: string }
  | { readonly kind: 'audit-fleet'; readonly fleetCommandId: string; readonly json: boolean }
  | { readonly kind: 'export-fleet'; readonly fleetCommandId: string }
  | {
      readonly kind: 'export-device';
      readonly deviceId: string;
      readonly from?: Date;
      readonly to?: Date;
    };

/** Unknown input: the message says what was wrong; the CLI exits with code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

interface Parsed {
  readonly words: string[];
  readonly flags: Map<string, string | true>;
}

/** Flags that take a value; every other `--x` is a switch. */
const VALUED = new Set(['--from', '--to', '--batch-size', '--max-findings']);

const split = (argv: readonly string[]): Parsed => {
  const words: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] as string;
    if (!arg.startsWith('-')) {
      words.push(arg);
      continue;
    }
    const [name, inline] = arg.includes('=')
      ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
      : [arg, undefined];
    if (flags.has(name)) throw new UsageError(`${name} is given twice`);
    if (VALUED.has(name)) {
      const value = inline ?? argv[(i += 1)];
      if (value === undefined || value === '') throw new UsageError(`${name} needs a value`);
      flags.set(name, value);
    } else {
      if (inline !== undefined) throw new UsageError(`${name} takes no value`);
      flags.set(name, true);
    }
  }
  return { words, flags };
};

const ALLOWED: Readonly<Record<CliCommand['kind'], readonly string[]>> = {
  help: ['--help', '-h'],
  'projections-status': ['--json'],
  'projections-rebuild': ['--batch-size'],
  verify: ['--json', '--max-findings'],
  'audit-device': ['--from', '--to', '--json'],
  'audit-issuer': ['--from', '--to', '--json'],
  'audit-late-results': ['--json'],
  'export-command': [],
  'audit-fleet': ['--json'],
  'export-fleet': [],
  'export-device': ['--from', '--to'],
};

const date = (flags: Parsed['flags'], name: string): Date | undefined => {
  const raw = flags.get(name);
  if (raw === undefined) return undefined;
  const value = new Date(raw as string);
  if (!/^\d{4}-\d{2}-\d{2}/.test(raw as string) || Number.isNaN(value.getTime())) {
    throw new UsageError(
      `${name} ${String(raw)}: not an ISO 8601 time (e.g. 2026-03-01T12:00:00Z)`,
    );
  }
  return value;
};

const positive = (flags: Parsed['flags'], name: string, max: number): number | undefined => {
  const raw = flags.get(name);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max) {
    throw new UsageError(`${name} ${String(raw)}: a whole number from 1 to ${max}`);
  }
  return n;
};

const expectWords = (words: string[], count: number, usage: string): void => {
  if (words.length < count) throw new UsageError(`missing argument: ${usage}`);
  if (words.length > count) {
    throw new UsageError(`unexpected argument ${JSON.stringify(words[count])}: ${usage}`);
  }
};

const command = ({ words, flags }: Parsed): CliCommand => {
  const json = flags.has('--json');
  const [group, action] = words;
  if (group === undefined || (group === 'help' && words.length === 1)) return { kind: 'help' };
  if (group === 'verify') {
    expectWords(words, 1, 'verify [--json] [--max-findings <n>]');
    const maxFindings = positive(flags, '--max-findings', 10_000_000);
    return { kind: 'verify', json, ...(maxFindings ? { maxFindings } : {}) };
  }
  switch (`${group} ${action ?? ''}`) {
    case 'projections status':
      expectWords(words, 2, 'projections status');
      return { kind: 'projections-status', json };
    case 'projections rebuild': {
      expectWords(words, 3, 'projections rebuild <name>');
      const batchSize = positive(flags, '--batch-size', 100_000);
      return {
        kind: 'projections-rebuild',
        name: words[2] as string,
        ...(batchSize ? { batchSize } : {}),
      };
    }
    case 'audit device': {
      expectWords(words, 3, 'audit device <deviceId> [--from <iso>] [--to <iso>]');
      const range = { from: date(flags, '--from'), to: date(flags, '--to') };
      if (range.from && range.to && range.from >= range.to)
        throw new UsageError('--from must be before --to');
      return { kind: 'audit-device', deviceId: words[2] as string, json, ...definedOnly(range) };
    }
    case 'audit issuer': {
      expectWords(words, 3, 'audit issuer <name> [--from <iso>] [--to <iso>]');
      const range = { from: date(flags, '--from'), to: date(flags, '--to') };
      if (range.from && range.to && range.from >= range.to)
        throw new UsageError('--from must be before --to');
      return { kind: 'audit-issuer', issuedBy: words[2] as string, json, ...definedOnly(range) };
    }
    case 'audit late-results':
      expectWords(words, 2, 'audit late-results');
      return { kind: 'audit-late-results', json };
    case 'audit fleet':
      expectWords(words, 3, 'audit fleet <fleetCommandId>');
      return { kind: 'audit-fleet', fleetCommandId: words[2] as string, json };
    case 'export fleet':
      expectWords(words, 3, 'export fleet <fleetCommandId>');
      return { kind: 'export-fleet', fleetCommandId: words[2] as string };
    case 'export command':
      expectWords(words, 3, 'export command <commandId>');
      return { kind: 'export-command', commandId: words[2] as string };
    case 'export device': {
      expectWords(words, 3, 'export device <deviceId> [--from <iso>] [--to <iso>]');
      const range = { from: date(flags, '--from'), to: date(flags, '--to') };
      return { kind: 'export-device', deviceId: words[2] as string, ...definedOnly(range) };
    }
  }
  if (group === 'projections' || group === 'audit' || group === 'export') {
    throw new UsageError(`unknown command: ${group} ${action ?? '(nothing)'}`);
  }
  throw new UsageError(`unknown command: ${group}`);
};

const definedOnly = <T extends object>(o: T): { [K in keyof T]?: Exclude<T[K], undefined> } =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as never;

/** Parses argv (without node and the script); throws UsageError on anything it does not know. */
export const parseArgs = (argv: readonly string[]): CliCommand => {
  const parsed = split(argv);
  if (parsed.flags.has('--help') || parsed.flags.has('-h')) return { kind: 'help' };
  const result = command(parsed);
  const allowed = ALLOWED[result.kind];
  for (const flag of parsed.flags.keys()) {
    if (!allowed.includes(flag)) throw new UsageError(`unknown option ${flag} for this command`);
  }
  return result;
};
