/**
 * Retry chains (CONTRACT.md rule 7): one command per (first attempt, attempt number); every
 * attempt n > 1 follows a predecessor that closed in a status its policy retries, below
 * maxAttempts; and every retry owed exists once the run has settled.
 */
import { type CommandState, decideRetry, nextAttemptId } from '@ratchet/lifecycle';
import { type Violation, violation } from './violation.js';

export interface RetryFigures {
  readonly retriesCreated: number;
  readonly longestChain: number;
}

export function checkRetries(states: Map<string, CommandState>, found: Violation[]): RetryFigures {
  const byAttempt = new Map<string, string[]>();
  let retriesCreated = 0;
  let longestChain = 1;
  for (const [id, s] of states) {
    const key = `${s.rootCommandId}/${s.attempt}`;
    byAttempt.set(key, [...(byAttempt.get(key) ?? []), id]);
    if (decideRetry(s, new Date(0)) && !states.has(nextAttemptId(s)))
      found.push(
        violation(
          'retry_missing',
          `${s.status} at attempt ${s.attempt} of ${s.retry.maxAttempts}, no attempt ${s.attempt + 1}`,
          id,
        ),
      );
    if (s.attempt === 1) continue;
    retriesCreated++;
    longestChain = Math.max(longestChain, s.attempt);
    const before = s.retryOf === null ? undefined : states.get(s.retryOf);
    if (!before) {
      found.push(
        violation('retry_without_predecessor', `attempt ${s.attempt}, retryOf ${s.retryOf}`, id),
      );
    } else if (
      !(before.retry.on as readonly string[]).includes(before.status) ||
      before.attempt >= before.retry.maxAttempts
    ) {
      found.push(
        violation(
          'retry_not_owed',
          `attempt ${s.attempt} after ${before.status} (policy ${JSON.stringify(before.retry)})`,
          id,
        ),
      );
    }
  }
  for (const [key, ids] of byAttempt)
    if (ids.length > 1)
      found.push(violation('two_commands_for_one_attempt', `${key}: ${ids.join(', ')}`));
  return { retriesCreated, longestChain };
}
