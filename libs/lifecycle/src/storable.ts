/**
 * What a JSON value from outside (a command payload, a device's output) must satisfy before it
 * is appended. Checked at the edges (HTTP 400, MQTT rejection counted by reason) so that the
 * append itself never fails on content: a device retrying a message the store cannot take
 * would never get its PUBACK, and a client would see a 500.
 *
 * - U+0000: PostgreSQL's jsonb cannot hold it in any string ("unsupported Unicode escape
 *   sequence"), and neither can the read models.
 * - Lone surrogates (`"\ud800"` as JSON): not Unicode; jsonb refuses them too.
 * - Nesting deeper than {@link MAX_JSON_DEPTH}: within 64 KiB a payload can nest thousands of
 *   levels, and every recursive walk (canonical JSON, validation, the database's parser) would
 *   risk its stack on it. No device or client needs more.
 */
export const MAX_JSON_DEPTH = 64;

export type Unstorable =
  | { readonly reason: 'unsupported_character'; readonly detail: string }
  | { readonly reason: 'too_deep'; readonly detail: string };

/** `null` when `value` can be stored; otherwise why not. Iterative: no depth can overflow it. */
export function unstorable(value: unknown, maxDepth: number = MAX_JSON_DEPTH): Unstorable | null {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (typeof v === 'string') {
      const problem = textProblem(v);
      if (problem) return problem;
    } else if (v !== null && typeof v === 'object') {
      if (depth >= maxDepth) {
        return {
          reason: 'too_deep',
          detail: `it nests more than ${maxDepth} levels of objects and arrays`,
        };
      }
      if (Array.isArray(v)) for (const item of v) stack.push([item, depth + 1]);
      else
        for (const [k, item] of Object.entries(v)) {
          const problem = textProblem(k);
          if (problem) return problem;
          stack.push([item, depth + 1]);
        }
    }
  }
  return null;
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function textProblem(s: string): Unstorable | null {
  if (s.includes('\u0000'))
    return {
      reason: 'unsupported_character',
      detail: 'it contains U+0000, which cannot be stored',
    };
  if (LONE_SURROGATE.test(s))
    return {
      reason: 'unsupported_character',
      detail: 'it contains a lone surrogate (not Unicode), which cannot be stored',
    };
  return null;
}
