/**
 * docker-compose.yml read the way `docker compose` reads it, so that tests can check what it
 * would run without a Docker engine: YAML with merge keys (`<<: *anchor`), then variable
 * interpolation (`${VAR}`, `${VAR:-default}`, `${VAR:?error}`, `$$`) in every string value.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, join, normalize, relative } from 'node:path';
import { parse } from 'yaml';

/** Jest runs from the repository root (as test/support/ledger-process.ts assumes too). */
export const REPO_ROOT = process.cwd();
export const COMPOSE_FILE = 'docker-compose.yml';

export interface ComposeService {
  readonly image?: string;
  readonly build?: string | { readonly context?: string; readonly dockerfile?: string };
  readonly entrypoint?: string | readonly string[];
  readonly command?: string | readonly string[];
  readonly environment?: Readonly<Record<string, unknown>> | readonly string[];
  readonly volumes?: readonly (
    | string
    | {
        readonly type: string;
        readonly source?: string;
        readonly target: string;
        readonly read_only?: boolean;
      }
  )[];
  readonly ports?: readonly string[];
  readonly healthcheck?: { readonly disable?: boolean; readonly test?: readonly string[] };
}

export interface ComposeFile {
  readonly services: Readonly<Record<string, ComposeService>>;
  readonly volumes?: Readonly<Record<string, unknown>>;
}

/** Thrown where compose itself would refuse to start (`${VAR:?message}` with VAR unset). */
export class MissingVariableError extends Error {}

export function interpolate(text: string, vars: Readonly<Record<string, string>>): string {
  // Forms this reader does not know (`${VAR:+x}`) fail loudly rather than pass through.
  if (/\$\{[^}]*:?\+/.test(text)) throw new Error(`unsupported interpolation in ${text}`);
  return text.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (whole, name?: string, colon?: string, op?: string, arg?: string, bare?: string) => {
      if (whole === '$$') return '$';
      const key = (name ?? bare)!;
      const value = vars[key];
      // With a colon an empty value counts as unset, as in the shell.
      const missing = value === undefined || (colon === ':' && value === '');
      if (!missing) return value!;
      if (op === '-') return arg!;
      if (op === '?') throw new MissingVariableError(`${key}: ${arg || 'required'}`);
      return '';
    },
  );
}

const interpolateAll = (node: unknown, vars: Readonly<Record<string, string>>): unknown => {
  if (typeof node === 'string') return interpolate(node, vars);
  if (Array.isArray(node)) return node.map((n) => interpolateAll(n, vars));
  if (node !== null && typeof node === 'object')
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, interpolateAll(v, vars)]));
  return node;
};

export function loadCompose(vars: Readonly<Record<string, string>> = {}): ComposeFile {
  const text = readFileSync(join(REPO_ROOT, COMPOSE_FILE), 'utf8');
  // `merge: true`: YAML 1.1 merge keys, which compose supports and this file uses.
  return interpolateAll(parse(text, { merge: true }), vars) as ComposeFile;
}

export const asList = (v: string | readonly string[] | undefined): string[] =>
  v === undefined ? [] : typeof v === 'string' ? v.split(/\s+/).filter(Boolean) : [...v];

/** The environment as the container gets it: both compose forms, every value a string. */
export function environmentOf(service: ComposeService): Record<string, string> {
  const env = service.environment ?? {};
  if (Array.isArray(env)) {
    return Object.fromEntries(
      (env as readonly string[]).map((e) => {
        const i = e.indexOf('=');
        return i < 0 ? [e, ''] : [e.slice(0, i), e.slice(i + 1)];
      }),
    );
  }
  return Object.fromEntries(
    Object.entries(env).map(([k, v]) => [k, v === null || v === undefined ? '' : String(v)]),
  );
}

export interface BindMount {
  /** Relative to the repository root, normalised (`apps/broker/acl`). */
  readonly source: string;
  readonly target: string;
  readonly readOnly: boolean;
}

const repoPath = (p: string): string =>
  normalize(relative(REPO_ROOT, isAbsolute(p) ? p : join(REPO_ROOT, p)));

/** Host paths mounted into the service (a named volume is not one). */
export function bindMounts(service: ComposeService): BindMount[] {
  return (service.volumes ?? []).flatMap((v): BindMount[] => {
    if (typeof v !== 'string') {
      return v.type === 'bind' && v.source
        ? [{ source: repoPath(v.source), target: v.target, readOnly: v.read_only === true }]
        : [];
    }
    const [source, target, mode] = v.split(':') as [string, string?, string?];
    if (!target || !/^[./~]/.test(source)) return []; // a named volume or an anonymous one
    return [
      { source: repoPath(source), target, readOnly: mode?.split(',').includes('ro') ?? false },
    ];
  });
}

/** `volume-name:/path` mounts. */
export function namedVolumes(service: ComposeService): { name: string; target: string }[] {
  return (service.volumes ?? []).flatMap((v) => {
    if (typeof v !== 'string')
      return v.type === 'volume' && v.source ? [{ name: v.source, target: v.target }] : [];
    const [source, target] = v.split(':') as [string, string?];
    return target && !/^[./~]/.test(source) ? [{ name: source, target }] : [];
  });
}

export function buildOf(service: ComposeService): { context: string; dockerfile: string } | null {
  const b = service.build;
  if (b === undefined) return null;
  const context = repoPath(typeof b === 'string' ? b : (b.context ?? '.'));
  const dockerfile = typeof b === 'string' ? 'Dockerfile' : (b.dockerfile ?? 'Dockerfile');
  return { context, dockerfile: normalize(join(context, dockerfile)) };
}

/** `[host-ip:]host-port:container-port` → the container port it publishes. */
export const publishedContainerPorts = (service: ComposeService): number[] =>
  (service.ports ?? []).map((p) => Number(String(p).split('/')[0]!.split(':').at(-1)));

export const hostAndPort = (url: string): { host: string; port: number } => {
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port) };
};
