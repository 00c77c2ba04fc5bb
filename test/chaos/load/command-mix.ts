/**
 * The operations the load is made of, each drawn whole from the load stream when it is
 * scheduled (never inside an asynchronous answer), so a seed replays the same operations in
 * the same order; only their interleaving with the faults depends on timing.
 */
import type { Prng } from '../random/prng.js';

export type CommandKind =
  'plain' | 'retry' | 'short-expiry' | 'cancel' | 'tight-deadlines' | 'ghost' | 'keyed';

export type Operation =
  | {
      readonly op: 'issue';
      readonly kind: CommandKind;
      readonly instance: number;
      readonly body: Readonly<Record<string, unknown>> & { readonly commandId: string };
      /** For `cancel`: how long after the 201 the cancel request leaves. */
      readonly cancelAfterMs: number;
      readonly cancelInstance: number;
    }
  /** The same id again, same body (expect 200) or another body (expect 409); `pick` in [0, 1). */
  | {
      readonly op: 'reissue';
      readonly sameBody: boolean;
      readonly pick: number;
      readonly instance: number;
    }
  | { readonly op: 'get'; readonly pick: number; readonly instance: number }
  /** A fleet command to a few devices, then pauses, resumes or a cancel at drawn moments. */
  | {
      readonly op: 'fleet';
      readonly instance: number;
      readonly body: Readonly<Record<string, unknown>> & { readonly fleetCommandId: string };
      readonly controls: readonly {
        readonly kind: 'pause' | 'resume' | 'cancel';
        readonly afterMs: number;
        readonly instance: number;
      }[];
    };

export interface MixOptions {
  readonly instances: number;
  readonly deviceIds: readonly string[];
}

const NAMES = ['set-speed', 'reboot', 'open-valve', 'read-meter'] as const;

/** Cumulative weights of the command kinds and the other operations. */
const MIX: readonly [number, CommandKind | 'reissue-same' | 'reissue-other' | 'get' | 'fleet'][] = [
  [0.38, 'plain'],
  [0.46, 'keyed'],
  [0.6, 'retry'],
  [0.68, 'short-expiry'],
  [0.75, 'cancel'],
  [0.8, 'tight-deadlines'],
  [0.82, 'ghost'],
  [0.86, 'reissue-same'],
  [0.88, 'reissue-other'],
  [0.985, 'get'],
  [1, 'fleet'],
];

export function nextOperation(rng: Prng, seq: number, o: MixOptions): Operation {
  // A fixed number of draws per operation, whatever its kind: one choice never shifts another.
  const [u, instanceU, deviceU, nameU, a, b, c, d, cancelU, cancelInstanceU] = Array.from(
    { length: 10 },
    () => rng.next(),
  ) as [number, number, number, number, number, number, number, number, number, number];
  const commandId = rng.uuid();
  const instance = Math.floor(instanceU * o.instances);
  const choice = MIX.find(([w]) => u < w)![1];
  if (choice === 'reissue-same' || choice === 'reissue-other')
    return { op: 'reissue', sameBody: choice === 'reissue-same', pick: a, instance };
  if (choice === 'get') return { op: 'get', pick: a, instance };
  if (choice === 'fleet')
    return fleetOperation(commandId, instance, [a, b, c, d, cancelU, deviceU], o);
  const kind = choice;
  const deviceId =
    kind === 'ghost'
      ? `ghost-${1 + Math.floor(deviceU * 3)}`
      : o.deviceIds[Math.floor(deviceU * o.deviceIds.length)]!;
  const body: Record<string, unknown> & { commandId: string } = {
    commandId,
    deviceId,
    name: NAMES[Math.floor(nameU * NAMES.length)]!,
    payload: { seq, level: Math.floor(a * 100) },
  };
  if (kind === 'retry') {
    const on = b < 0.4 ? ['timed_out', 'failed'] : b < 0.7 ? ['timed_out'] : ['failed'];
    Object.assign(body, { retry: { maxAttempts: 2 + Math.floor(c * 2), on } });
  }
  // Shorter than a dispatch sometimes takes under load: some expire before they are sent,
  // some while their PUBACK is on the way, some are sent in time.
  // Two queues per device; now and then a command that supersedes the waiting ones.
  if (kind === 'keyed') body.queue = { key: b < 0.5 ? 'motor' : 'valve', supersede: c < 0.1 };
  if (kind === 'short-expiry') body.expiresInMs = 1 + Math.floor(c * 600);
  if (kind === 'tight-deadlines') {
    body.ackTimeoutMs = 100 + Math.floor(c * 900);
    body.timeoutMs = 300 + Math.floor(d * 2_200);
  }
  return {
    op: 'issue',
    kind,
    instance,
    body,
    cancelAfterMs: Math.floor(cancelU * 60),
    cancelInstance: Math.floor(cancelInstanceU * o.instances),
  };
}

const CONTROLS = ['pause', 'resume', 'cancel'] as const;

/**
 * 2 to 6 devices from `deviceU` on, a cap of 1 or 2 in flight, sometimes a rate and an abort
 * threshold; up to three controls, each from a draw of `u` (deterministic: no new draws).
 */
function fleetOperation(
  fleetCommandId: string,
  instance: number,
  [a, b, c, d, e, deviceU]: number[],
  o: MixOptions,
): Extract<Operation, { op: 'fleet' }> {
  const n = 2 + Math.floor(a! * 5);
  const start = Math.floor(deviceU! * o.deviceIds.length);
  const deviceIds = [
    ...new Set(Array.from({ length: n }, (_, i) => o.deviceIds[(start + i) % o.deviceIds.length]!)),
  ];
  const body: Record<string, unknown> & { fleetCommandId: string } = {
    fleetCommandId,
    target: { deviceIds },
    name: 'fleet-update',
    payload: { n },
    rollout: { maxInFlight: 1 + Math.floor(b! * 2), ...(c! < 0.5 ? { perMinute: 120 } : {}) },
    ...(d! < 0.5 ? { abort: { afterCompleted: 2, maxFailureRatio: 0.5 } } : {}),
  };
  const controls = [e!, (e! * 7) % 1, (e! * 13) % 1].slice(0, Math.floor(e! * 4)).map((u) => ({
    kind: CONTROLS[Math.floor(u * 3)]!,
    afterMs: Math.floor(u * 1500),
    instance: Math.floor(((u * 31) % 1) * o.instances),
  }));
  return { op: 'fleet', instance, body, controls };
}
