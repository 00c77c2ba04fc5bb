import type { DestinationStream } from 'pino';

/** Shown first, in this order, on a text line; other fields follow as `key=value`. */
const KNOWN = new Set(['level', 'time', 'pid', 'instanceId', 'context', 'msg', 'stack']);

/**
 * `LOG_FORMAT=text`: each JSON line pino writes, printed for a human:
 * `2026-11-26T23:42:55.153Z  INFO [IssueCommand] command=… issued  commandId=… correlationId=…`,
 * a stack on the lines below. (pino-pretty does this too, but is not a runtime dependency.)
 */
export function textDestination(out: { write(chunk: string): unknown }): DestinationStream {
  return {
    write(line: string) {
      let o: Record<string, unknown>;
      try {
        o = JSON.parse(line) as Record<string, unknown>;
      } catch {
        out.write(line);
        return;
      }
      out.write(formatText(o));
    },
  };
}

export function formatText(o: Record<string, unknown>): string {
  const extra = Object.entries(o)
    .filter(([k, v]) => !KNOWN.has(k) && v !== undefined)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  const head =
    `${String(o.time ?? '')} ${String(o.level ?? '')
      .toUpperCase()
      .padStart(5)} ` + `[${String(o.context ?? '')}] ${String(o.msg ?? '')}`;
  const stack = typeof o.stack === 'string' ? `\n${o.stack}` : '';
  return `${head}${extra.length > 0 ? `  ${extra.join(' ')}` : ''}${stack}\n`;
}
