/**
 * What a device answers, as data: the result of a handler (or of not running one), checked
 * against the very decoder the ledger applies, so that a result is never one the ledger would
 * refuse (and then time the command out). Pure.
 */
import {
  MAX_RESULT_ERROR_LENGTH,
  decodeResult,
  encodeResult,
  errorMessage,
  type ReceivedIntent,
  type ResultToSend,
} from '@ratchet/mqtt';

export type ResultBody = Omit<ResultToSend, 'epoch'>;

/** Why the ledger would refuse `body` (with the longest epoch), or undefined if it would not. */
function refusal(body: ResultBody): string | undefined {
  let bytes: Buffer;
  try {
    bytes = encodeResult({ ...body, epoch: Number.MAX_SAFE_INTEGER });
  } catch (e) {
    return `it is not JSON (${errorMessage(e)})`;
  }
  const decoded = decodeResult(bytes);
  return decoded.ok ? undefined : decoded.detail;
}

export function executedResult(output: unknown): ResultBody {
  const body: ResultBody =
    output === undefined ? { status: 'executed' } : { status: 'executed', output };
  const problem = refusal(body);
  return problem === undefined
    ? body
    : failedResult(`the handler's output cannot be sent: ${problem}`);
}

/** A thrown value (or a text) as a failed result; the text is cut to what the ledger keeps. */
export function failedResult(error: unknown): ResultBody {
  const text =
    typeof error === 'string'
      ? error
      : error instanceof Error
        ? error.message || error.name
        : errorMessage(error);
  const cut =
    text.length > MAX_RESULT_ERROR_LENGTH ? `${text.slice(0, MAX_RESULT_ERROR_LENGTH - 1)}…` : text;
  const body: ResultBody = {
    status: 'failed',
    error: cut || 'the handler failed without a message',
  };
  const problem = refusal(body);
  return problem === undefined
    ? body
    : {
        status: 'failed',
        error: `the handler failed with a message that cannot be sent (${problem})`,
      };
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** Why an intent past its `expiresAt` was not executed. */
export function expiredError(intent: ReceivedIntent, receivedAt: number, now: number): string {
  const when =
    receivedAt >= intent.expiresAtMs
      ? `before it arrived (at ${iso(receivedAt)}, ${receivedAt - intent.expiresAtMs} ms late)`
      : `while it waited its turn on the device (it arrived at ${iso(receivedAt)}, its turn came at ${iso(now)})`;
  return `not executed: the command expired at ${intent.expiresAt}, ${when}`;
}

export function unknownCommandError(
  name: string,
  deviceId: string,
  known: readonly string[],
): string {
  const handles =
    known.length > 0 ? `it handles ${known.map((n) => `"${n}"`).join(', ')}` : 'it has no handlers';
  return `not executed: device ${deviceId} has no handler for command "${name}" (${handles})`;
}

export const invalidIntentError = (detail: string): string =>
  `not executed: the intent cannot be read (${detail})`;
