/**
 * The client's answers held against the log: every command answered 201/200 exists (else it is
 * lost); every state an answer showed is one the log went through, at that revision; a cancel
 * answered 200 cancelled, one only ever refused did not; a re-issue of the same body is 200 and
 * of another body 409, and neither changed the command.
 */
import { type CommandState, canonicalJson } from '@ratchet/lifecycle';
import type { ClientRecord } from '../load/client-record.js';
import type { Streams } from './log-reader.js';
import type { Folded } from './stream-checks.js';
import { type Violation, violation } from './violation.js';

export interface ClientFigures {
  readonly issued: number;
  readonly accepted: number;
  readonly created: number;
  readonly unanswered: number;
  /** Unanswered requests whose command exists all the same (the answer was lost, not the command). */
  readonly unansweredButPresent: number;
  readonly lost: number;
  readonly observationsChecked: number;
  readonly cancelsConfirmed: number;
  readonly cancelsRefused: number;
  readonly reissuesSame: number;
  readonly reissuesOther: number;
}

export function checkClient(
  record: ClientRecord,
  streams: Streams,
  folded: Folded,
  found: Violation[],
): ClientFigures {
  let accepted = 0;
  let created = 0;
  let unanswered = 0;
  let unansweredButPresent = 0;
  let lost = 0;
  let cancelsConfirmed = 0;
  let cancelsRefused = 0;
  for (const c of record.commands.values()) {
    const state = folded.states.get(c.commandId);
    if (c.outcome === 'accepted') {
      accepted++;
      if (c.created) created++;
      if (!streams.has(c.commandId)) {
        lost++;
        found.push(
          violation('lost', `answered ${c.created ? 201 : 200}, not in the log`, c.commandId),
        );
        continue;
      }
    } else {
      unanswered++;
      if (streams.has(c.commandId)) unansweredButPresent++;
    }
    if (state) checkIssuedBody(c.body, state, found);
    if (c.cancels.includes('cancelled')) {
      cancelsConfirmed++;
      if (state?.status !== 'cancelled')
        found.push(
          violation(
            'cancel_lost',
            `cancel answered 200, final status ${state?.status}`,
            c.commandId,
          ),
        );
    } else if (c.cancels.length > 0 && c.cancels.every((x) => x === 'refused')) {
      cancelsRefused++;
      if (state?.status === 'cancelled')
        found.push(
          violation(
            'cancelled_after_refusal',
            'every cancel was answered 409, yet it is cancelled',
            c.commandId,
          ),
        );
    }
  }
  for (const o of record.observations) {
    const trail = folded.statuses.get(o.commandId);
    if (!trail || o.revision >= trail.length || trail[o.revision] !== o.status)
      found.push(
        violation(
          'answer_not_in_log',
          `${o.via} showed ${o.status} at revision ${o.revision}; the log has ${trail ? (trail[o.revision] ?? `only ${trail.length} events`) : 'no stream'}`,
          o.commandId,
        ),
      );
  }
  let reissuesSame = 0;
  let reissuesOther = 0;
  for (const r of record.reissues) {
    if (r.status === 'unknown') continue;
    const expected = r.sameBody ? 200 : 409;
    if (r.sameBody) reissuesSame++;
    else reissuesOther++;
    if (r.status !== expected)
      found.push(
        violation(
          'reissue_answer',
          `re-issue with ${r.sameBody ? 'the same' : 'another'} body answered ${r.status}, expected ${expected}`,
          r.commandId,
        ),
      );
  }
  for (const u of record.unexpected) found.push(violation('unexpected_http_answer', u));
  for (const [id, s] of folded.states) {
    // Every command in the log is one the client issued, a retry of one, or a child (or a
    // child's retry) of a fleet command the client sent.
    const fleet = (s as { fleetCommandId?: unknown }).fleetCommandId;
    if (typeof fleet === 'string' && record.fleets.has(fleet)) continue;
    if (!record.commands.has(id) && !record.commands.has(s.rootCommandId))
      found.push(
        violation('command_nobody_issued', `${s.deviceId} ${s.name}, attempt ${s.attempt}`, id),
      );
  }
  return {
    issued: record.commands.size,
    accepted,
    created,
    unanswered,
    unansweredButPresent,
    lost,
    observationsChecked: record.observations.length,
    cancelsConfirmed,
    cancelsRefused,
    reissuesSame,
    reissuesOther,
  };
}

/** The first attempt carries exactly what the client sent: a re-issue with another body changed nothing. */
function checkIssuedBody(
  body: Readonly<Record<string, unknown>>,
  s: CommandState,
  found: Violation[],
): void {
  if (s.attempt !== 1) return;
  const same =
    s.deviceId === body.deviceId &&
    s.name === body.name &&
    canonicalJson(s.payload) === canonicalJson(body.payload);
  if (!same)
    found.push(
      violation('issued_body_changed', `payload ${JSON.stringify(s.payload)}`, s.commandId),
    );
}
