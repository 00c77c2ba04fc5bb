/**
 * The fleet rules, on the settled log (CONTRACT.md section 6, docs/fleets-design.md): each
 * fleet stream folds (a terminal fleet is never left, marks are contiguous); each target has at
 * most one child per fleet (plus its retries), with the derived id; the children are exactly
 * those the marks announced; no child was created after the abort or cancel committed;
 * `maxInFlight` held at every event of the global log and `perMinute` over every span of marks;
 * an abort carries the counts of the first crossing of its threshold in log order. Pure.
 */
import type { RecordedEvent } from '@ratchet/event-store';
import {
  type CommandStatus,
  type FleetEvent,
  type FleetState,
  EMPTY_TALLY,
  type FleetTally,
  TRANSITIONS,
  type CommandEventType,
  burstOf,
  effectivePerMinute,
  fleetChildId,
  fleetIdOfStream,
  foldFleet,
  isTerminal,
  tallyChild,
} from '@ratchet/lifecycle';
import { type Violation, violation } from './violation.js';

export interface FleetFigures {
  readonly fleets: number;
  readonly children: number;
  readonly byStatus: Record<string, number>;
}

interface Attempt {
  readonly fleet: string;
  readonly attempt: number;
}

/** `log`: every fleet and command event, in global log order (by position). */
export function checkFleets(log: readonly RecordedEvent[], found: Violation[]): FleetFigures {
  const fleetEvents = new Map<string, RecordedEvent[]>();
  for (const e of log) {
    const id = fleetIdOfStream(e.stream);
    if (id !== null) fleetEvents.set(id, [...(fleetEvents.get(id) ?? []), e]);
  }
  const fleets = new Map<string, FleetState>();
  const byStatus: Record<string, number> = {};
  for (const [id, events] of fleetEvents) {
    try {
      const s = foldFleet(events.map((e) => ({ type: e.type, data: e.data }) as FleetEvent));
      if (s) fleets.set(id, s);
      if (s) byStatus[s.status] = (byStatus[s.status] ?? 0) + 1;
    } catch (e) {
      found.push(violation('fleet-stream-illegal', `fleet ${id}: ${(e as Error).message}`));
    }
  }

  const attempts = new Map<string, Attempt>(); // by attempt id
  const roots = new Map<string, Map<string, string>>(); // fleet → device → root
  const ended = new Map<string, string>(); // fleet → position of its abort/cancel
  const open = new Map<string, number>();
  const tallies = new Map<string, FleetTally>();
  for (const e of log) {
    const fleetId = fleetIdOfStream(e.stream);
    if (fleetId !== null) {
      if (e.type === 'FleetCommandAborted' || e.type === 'FleetCommandCancelled') {
        ended.set(fleetId, e.position);
      }
      if (e.type === 'FleetCommandAborted') {
        const crossed = tallies.get(fleetId)?.crossed ?? null;
        const d = e.data as { terminal: number; failures: number };
        if (!crossed || crossed.terminal !== d.terminal || crossed.failures !== d.failures) {
          found.push(
            violation(
              'fleet-abort-counts',
              `fleet ${fleetId} aborted with ${JSON.stringify(d)}; the log's first crossing is ${JSON.stringify(crossed)}`,
            ),
          );
        }
      }
      continue;
    }
    if (!e.stream.startsWith('command-')) continue;
    const commandId = e.stream.slice('command-'.length);
    const d = e.data as {
      fleetCommandId?: string;
      deviceId?: string;
      attempt?: number;
      rootCommandId?: string;
    };
    if (e.type === 'CommandRequested') {
      const fleet = d.fleetCommandId;
      if (typeof fleet !== 'string') continue;
      const state = fleets.get(fleet);
      if (d.attempt === 1 || d.attempt === undefined) {
        const devices = roots.get(fleet) ?? new Map<string, string>();
        roots.set(fleet, devices);
        const device = d.deviceId ?? '';
        if (devices.has(device)) {
          found.push(
            violation(
              'fleet-child-duplicate',
              `fleet ${fleet}: a second child for ${device}`,
              commandId,
            ),
          );
        }
        devices.set(device, commandId);
        if (commandId !== fleetChildId(fleet, device)) {
          found.push(
            violation(
              'fleet-child-id',
              `fleet ${fleet}: child of ${device} is not the derived id`,
              commandId,
            ),
          );
        }
        const end = ended.get(fleet);
        if (end !== undefined && e.position > end) {
          found.push(
            violation(
              'fleet-child-after-end',
              `fleet ${fleet}: child created after its abort or cancel`,
              commandId,
            ),
          );
        }
        attempts.set(commandId, { fleet, attempt: 1 });
        const n = (open.get(fleet) ?? 0) + 1;
        open.set(fleet, n);
        const cap = state?.request.rollout.maxInFlight ?? null;
        if (cap !== null && n > cap) {
          found.push(
            violation(
              'fleet-in-flight-exceeded',
              `fleet ${fleet}: ${n} children open, maxInFlight ${cap}`,
              commandId,
            ),
          );
        }
      } else if (attempts.has(d.rootCommandId ?? '')) {
        attempts.set(commandId, { fleet, attempt: d.attempt });
      }
      continue;
    }
    const child = attempts.get(commandId);
    if (!child) continue;
    const to = TRANSITIONS[e.type as CommandEventType]?.to ?? null;
    if (to === null || !isTerminal(to)) continue;
    const state = fleets.get(child.fleet);
    const retry = state?.request.retry ?? { maxAttempts: 1, on: [] };
    // An attempt its policy retries leaves the child open: its next attempt is on the way.
    if ((retry.on as readonly string[]).includes(to) && child.attempt < retry.maxAttempts) continue;
    open.set(child.fleet, (open.get(child.fleet) ?? 0) - 1);
    tallies.set(
      child.fleet,
      tallyChild(
        tallies.get(child.fleet) ?? EMPTY_TALLY,
        to as Exclude<CommandStatus, 'requested' | 'sent' | 'acknowledged'>,
        state?.request.abort ?? null,
      ),
    );
  }

  for (const [id, s] of fleets) {
    const made = roots.get(id)?.size ?? 0;
    if (made !== s.created) {
      found.push(
        violation(
          'fleet-children-count',
          `fleet ${id}: the marks announce ${s.created} children, the log has ${made}`,
        ),
      );
    }
    const perMinute = s.request.rollout.perMinute;
    if (perMinute === null) continue;
    const marks = (fleetEvents.get(id) ?? [])
      .filter((e) => e.type === 'FleetChildrenCreated')
      .map((e) => ({ at: Date.parse(e.data.at as string), count: e.data.count as number }));
    const burst = burstOf(perMinute);
    const rate = effectivePerMinute(perMinute);
    for (let i = 0; i < marks.length; i += 1) {
      let n = 0;
      for (let j = i; j < marks.length; j += 1) {
        n += marks[j]!.count;
        const allowed = burst + Math.floor(((marks[j]!.at - marks[i]!.at) * rate) / 60_000);
        if (n > allowed) {
          found.push(
            violation(
              'fleet-rate-exceeded',
              `fleet ${id}: ${n} children in ${marks[j]!.at - marks[i]!.at} ms, at most ${allowed}`,
            ),
          );
          i = marks.length;
          break;
        }
      }
    }
  }
  return {
    fleets: fleets.size,
    children: [...roots.values()].reduce((n, m) => n + m.size, 0),
    byStatus,
  };
}
