/**
 * The operations the load is made of, each drawn whole from the load stream when it is
 * scheduled (never inside an asynchronous answer), so a seed replays the same operations in
 * the same order; only their interleaving with the faults depends on timing.
 */
import type { Prng } from '../random/prng.js';

export type CommandKind =
  'plain' | 'retry' | 'short-expiry' | 'cancel' | 'tight-deadlines' | 'ghost';

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
  | { readonly op: 'get'; readonly pick: number; readonly instance: number };

export interface MixOptions {
  readonly instances: number;
  readonly deviceIds: readonly string[];
}

const NAMES = ['set-speed', 'reboot', 'open-valve', 'read-meter'] as const;

/** Cumulative weights of the command kinds and the other operations. */
const MIX: readonly [number, CommandKind | 'reissue-same' | 'reissue-other' | 'get'][] = [
  [0.46, 'plain'],
  [0.6, 'retry'],
  [0.68, 'short-expiry'],
  [0.75, 'cancel'],
  [0.8, 'tight-deadlines'],
  [0.82, 'ghost'],
  [0.86, 'reissue-same'],
  [0.88, 'reissue-other'],
  [1, 'get'],
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
