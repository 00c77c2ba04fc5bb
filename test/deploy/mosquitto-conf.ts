/**
 * Reading apps/broker/mosquitto.conf, and the only rewrites a test may make to it before
 * running it: its listeners move to free loopback ports, persistence goes (a test leaves
 * nothing behind), and the password and ACL paths point at copies of the very files compose
 * mounts. Everything else runs exactly as it ships.
 */

export interface MosquittoListener {
  readonly port: number;
  /** Options written after this `listener` line and before the next one. */
  readonly options: ReadonlyMap<string, string>;
}

export interface MosquittoConf {
  /** Options before the first listener (Mosquitto reads most options as global anyway). */
  readonly global: ReadonlyMap<string, string>;
  readonly listeners: readonly MosquittoListener[];
}

const directives = (text: string): [string, string][] =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const [key, ...rest] = l.split(/\s+/);
      return [key!, rest.join(' ')];
    });

export function parseMosquittoConf(text: string): MosquittoConf {
  const global = new Map<string, string>();
  const listeners: { port: number; options: Map<string, string> }[] = [];
  for (const [key, value] of directives(text)) {
    if (key === 'listener') {
      listeners.push({ port: Number(value.split(' ')[0]), options: new Map() });
    } else {
      (listeners.at(-1)?.options ?? global).set(key, value);
    }
  }
  return { global, listeners };
}

/** Directives a test rewrites; any other line of the file is run unchanged. */
export const REWRITTEN_DIRECTIVES = [
  'listener',
  'persistence',
  'persistence_location',
  'autosave_interval',
  'password_file',
  'acl_file',
  'cafile',
  'certfile',
  'keyfile',
] as const;

export interface ConfRewrite {
  /** Shipped listener port → the loopback port the test broker listens on. */
  readonly ports: ReadonlyMap<number, number>;
  /**
   * Shipped path (as the container sees it) → the copy the test broker reads; a mounted
   * directory maps every file under it.
   */
  readonly files: ReadonlyMap<string, string>;
}

export function rewriteForTest(text: string, rewrite: ConfRewrite): string {
  return text
    .split('\n')
    .map((line) => {
      const [key, ...rest] = line.trim().split(/\s+/);
      const value = rest.join(' ');
      switch (key) {
        case 'listener': {
          const port = rewrite.ports.get(Number(rest[0]));
          if (port === undefined) throw new Error(`no test port for "${line}"`);
          return `listener ${port} 127.0.0.1`;
        }
        case 'password_file':
        case 'acl_file':
        case 'cafile':
        case 'certfile':
        case 'keyfile': {
          const copy = copyOf(rewrite.files, value);
          if (!copy) throw new Error(`"${line}": compose mounts nothing at ${value}`);
          return `${key} ${copy}`;
        }
        case 'persistence':
          return 'persistence false';
        case 'persistence_location':
        case 'autosave_interval':
          return `# (test) ${line}`;
        default:
          return line;
      }
    })
    .join('\n');
}

/** The copy of `path`: a mounted file's, or the file under a mounted directory's copy. */
function copyOf(files: ReadonlyMap<string, string>, path: string): string | undefined {
  const exact = files.get(path);
  if (exact) return exact;
  for (const [target, copy] of files)
    if (path.startsWith(`${target}/`)) return `${copy}/${path.slice(target.length + 1)}`;
  return undefined;
}
