/**
 * An independent reading of CONTRACT.md section 3 for inbound device messages: from the bytes
 * of a topic and a payload alone, would a broker deliver it to the ledger's subscriptions
 * (`devices/+/commands/+/ack|result`), and is it a valid ack or result for a real command from
 * that command's own device? Written from the contract, not from libs/mqtt, so that the fuzz
 * test can compare the service against it.
 */
const DEVICE_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Strict UTF-8: decoding replaces every malformed sequence, so it no longer round-trips. */
const strictUtf8 = (bytes: Buffer): string | null => {
  const text = bytes.toString('utf8');
  return Buffer.from(text, 'utf8').equals(bytes) ? text : null;
};

/**
 * - `yes`: every broker delivers it (a well-formed topic that matches the ledger's filters).
 * - `no`: it matches no filter of the ledger, so the ledger never sees it.
 * - `maybe`: it matches a filter but its delivery is broker-dependent (an empty level, which
 *   Aedes does not match with `+`; NUL or bytes that are not UTF-8, which MQTT forbids and
 *   Aedes nevertheless forwards).
 * - `refused`: the broker refuses the PUBLISH itself (wildcards, an empty topic, `$SYS`) and
 *   closes the publisher's connection.
 */
export type Delivery = 'yes' | 'no' | 'maybe' | 'refused';

export type ValidInput =
  | { readonly commandId: string; readonly kind: 'ack' }
  | {
      readonly commandId: string;
      readonly kind: 'result';
      readonly status: 'executed' | 'failed';
      /** What the API must then show as `result`, `error` (JSON-normalised). */
      readonly result: unknown;
      readonly error: string | null;
    };

export interface Verdict {
  readonly delivery: Delivery;
  /** Set only for a message that is valid for a real command from its own device. */
  readonly valid: ValidInput | null;
  /**
   * The contract does not settle it (an ack with fields, a result with unknown fields or over
   * 64 KiB, a BOM, an escaped lone surrogate, an error text on an executed result): the fuzz
   * never sends such a payload on a topic where it would matter.
   */
  readonly ambiguous: boolean;
}

export interface RealCommand {
  readonly commandId: string;
  readonly deviceId: string;
}

const hasLoneSurrogate = (s: string): boolean =>
  /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s);

/** Does any string of a JSON value, object keys included, satisfy `test`? */
const anyString = (v: unknown, test: (s: string) => boolean): boolean =>
  typeof v === 'string'
    ? test(v)
    : Array.isArray(v)
      ? v.some((x) => anyString(x, test))
      : typeof v === 'object' && v !== null
        ? Object.entries(v).some(([k, x]) => test(k) || anyString(x, test))
        : false;
const anyLoneSurrogate = (v: unknown): boolean => anyString(v, hasLoneSurrogate);
/** Levels of objects and arrays: `{}` is 1, `{"a":[]}` is 2. */
const depthOf = (v: unknown): number =>
  typeof v === 'object' && v !== null ? 1 + Math.max(0, ...Object.values(v).map(depthOf)) : 0;

export function deliveryOf(topic: string | Buffer): Delivery {
  let text: string;
  let malformed = false;
  if (typeof topic === 'string') {
    text = topic;
    malformed = hasLoneSurrogate(topic);
  } else {
    text = topic.toString('utf8');
    malformed = strictUtf8(topic) === null;
  }
  if (text.length === 0 || /[+#]/.test(text) || text.startsWith('$SYS')) return 'refused';
  const levels = text.split('/');
  const matches =
    levels.length === 5 &&
    levels[0] === 'devices' &&
    levels[2] === 'commands' &&
    (levels[4] === 'ack' || levels[4] === 'result');
  if (!matches) return 'no';
  if (malformed || levels.some((l) => l === '') || text.includes('\u0000')) return 'maybe';
  return 'yes';
}

type PayloadJudgement =
  | { readonly verdict: 'invalid' | 'ambiguous' }
  | { readonly verdict: 'valid'; readonly value: Record<string, unknown> };

/**
 * The contract's size limit is on a command's payload (64 KiB); it names none for device
 * messages, so a well-formed message above that size is not judged.
 */
const TOO_BIG_TO_JUDGE = 64 * 1024;

function parsePayload(payload: Buffer): PayloadJudgement {
  const text = strictUtf8(payload);
  if (text === null) return { verdict: 'invalid' };
  if (text.startsWith('\ufeff')) return { verdict: 'ambiguous' };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { verdict: 'invalid' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { verdict: 'invalid' };
  // U+0000 and lone surrogates cannot be stored (jsonb): the ledger refuses them at the edge,
  // counted as `unsupported_character`; nesting deeper than 64 levels below the message is
  // `too_deep` (README "Limits"; CONTRACT.md does not say it yet).
  if (anyString(value, (s) => s.includes('\u0000'))) return { verdict: 'invalid' };
  if (anyLoneSurrogate(value)) return { verdict: 'invalid' };
  if (depthOf(value) > 65) return { verdict: 'invalid' };
  return { verdict: 'valid', value: value as Record<string, unknown> };
}

/** `{}` or empty (CONTRACT.md section 3). */
function judgeAck(payload: Buffer): PayloadJudgement['verdict'] {
  if (payload.length === 0) return 'valid';
  const p = parsePayload(payload);
  if (p.verdict !== 'valid') return p.verdict;
  return Object.keys(p.value).length === 0 && payload.length <= TOO_BIG_TO_JUDGE
    ? 'valid'
    : 'ambiguous';
}

/** `{ "status": "executed" | "failed", "output"?: any, "error"?: string }`. */
function judgeResult(
  payload: Buffer,
):
  | { verdict: 'invalid' | 'ambiguous' }
  | { verdict: 'valid'; status: 'executed' | 'failed'; result: unknown; error: string | null } {
  if (payload.length === 0) return { verdict: 'invalid' };
  const p = parsePayload(payload);
  if (p.verdict !== 'valid') return p;
  const v = p.value;
  if (v.status !== 'executed' && v.status !== 'failed') return { verdict: 'invalid' };
  if (Object.hasOwn(v, 'error') && typeof v.error !== 'string') return { verdict: 'invalid' };
  if (Object.keys(v).some((k) => !['status', 'output', 'error'].includes(k)))
    return { verdict: 'ambiguous' };
  if (v.status === 'executed' && Object.hasOwn(v, 'error')) return { verdict: 'ambiguous' };
  if (typeof v.error === 'string' && v.error.length > 2048) return { verdict: 'ambiguous' };
  if (payload.length > TOO_BIG_TO_JUDGE) return { verdict: 'ambiguous' };
  return {
    verdict: 'valid',
    status: v.status,
    result: normaliseJson(v.output ?? null),
    error: typeof v.error === 'string' ? v.error : null,
  };
}

/** What a JSON round trip (and a jsonb column) leaves of a value. */
export const normaliseJson = (v: unknown): unknown => JSON.parse(JSON.stringify(v ?? null));

export function judgeInbound(
  topic: string | Buffer,
  payload: Buffer,
  realById: ReadonlyMap<string, RealCommand>,
): Verdict {
  const delivery = deliveryOf(topic);
  const none = { delivery, valid: null, ambiguous: false };
  if (delivery !== 'yes') return none;
  const [, deviceId, , commandId, kind] = (topic as string).split('/') as [
    string,
    string,
    string,
    string,
    'ack' | 'result',
  ];
  if (!DEVICE_ID.test(deviceId) || !UUID.test(commandId)) return none;
  const real = realById.get(commandId.toLowerCase());
  if (!real || real.deviceId !== deviceId) return none;
  if (kind === 'ack') {
    const v = judgeAck(payload);
    return v === 'valid'
      ? { delivery, valid: { commandId: real.commandId, kind }, ambiguous: false }
      : { ...none, ambiguous: v === 'ambiguous' };
  }
  const r = judgeResult(payload);
  if (r.verdict !== 'valid') return { ...none, ambiguous: r.verdict === 'ambiguous' };
  return {
    delivery,
    valid: {
      commandId: real.commandId,
      kind,
      status: r.status,
      result: r.result,
      error: r.status === 'failed' ? r.error : null,
    },
    ambiguous: false,
  };
}
