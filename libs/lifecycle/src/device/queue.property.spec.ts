/**
 * Queues and waiting under interleavings (CONTRACT.md rules 8 and 10): several instances, each
 * deciding on its own — possibly old — read of the device stream, with the commands' statuses
 * read from their own streams, appends guarded by the device stream's revision, the device
 * coming and going, supersede, and entries closed on the way. The device stream is the only
 * serialization point; the properties are checked after every step.
 */
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { type CommandStatus, isTerminal } from '../command.js';
import { decideQueue } from './decide-queue.js';
import { type DeviceEvent, type DeviceState, evolveDevice } from './device-stream.js';
import { closableEntries, decideSend, supersedeTargets } from './queue.js';

interface Spec {
  readonly key: 'motor' | 'valve' | null;
  readonly delivery: 'when_online' | 'immediate';
  readonly supersede: boolean;
}
const specArb: fc.Arbitrary<Spec> = fc.record({
  key: fc.constantFrom('motor' as const, 'valve' as const, null),
  delivery: fc.constantFrom('when_online' as const, 'when_online' as const, 'immediate' as const),
  supersede: fc.boolean(),
});
const INSTANCES = 3;
type Action =
  | { readonly t: 'accept' }
  | { readonly t: 'read'; readonly i: number }
  | { readonly t: 'dispatch'; readonly i: number; readonly pick: number }
  | { readonly t: 'complete'; readonly pick: number }
  | { readonly t: 'presence'; readonly online: boolean }
  | { readonly t: 'close'; readonly i: number };
const instance = fc.nat({ max: INSTANCES - 1 });
const actionArb: fc.Arbitrary<Action> = fc.oneof(
  fc.constant({ t: 'accept' } as const),
  instance.map((i) => ({ t: 'read', i }) as const),
  fc.record({ t: fc.constant('dispatch' as const), i: instance, pick: fc.nat() }),
  fc.record({ t: fc.constant('dispatch' as const), i: instance, pick: fc.nat() }),
  fc.record({ t: fc.constant('complete' as const), pick: fc.nat() }),
  fc.boolean().map((online) => ({ t: 'presence', online }) as const),
  instance.map((i) => ({ t: 'close', i }) as const),
);

const NOW = new Date('2026-01-01T00:00:00.000Z');
const idOf = (n: number) => `c${n}`;

class World {
  device: DeviceState | null = null;
  epoch = 0;
  readonly status = new Map<string, CommandStatus>();
  readonly accepted: string[] = [];
  readonly sends: string[] = [];
  /** Each send as decided: the presence its instance's read showed. */
  readonly sentOnPresence = new Map<string, string>();
  readonly snapshots: (DeviceState | null)[] = Array(INSTANCES).fill(null);

  constructor(readonly specs: readonly Spec[]) {}

  spec = (id: string): Spec => this.specs[Number(id.slice(1))]!;
  lookup = (id: string) => this.status.get(id);

  /** The device stream's guarded append: refused unless decided on its current revision. */
  append(on: DeviceState | null, events: readonly DeviceEvent[]): boolean {
    if ((on?.revision ?? -1n) !== (this.device?.revision ?? -1n)) return false;
    for (const e of events) this.device = evolveDevice(this.device, e);
    return true;
  }

  accept(): void {
    const n = this.accepted.length;
    if (n >= this.specs.length) return;
    const id = idOf(n);
    const spec = this.specs[n]!;
    // CommandRequested and (for a keyed command) its place, in one atomic append.
    if (spec.key !== null) {
      const d = decideQueue(
        { kind: 'enqueue', entry: { commandId: id, key: spec.key } },
        this.device,
        NOW,
      );
      if (d.outcome === 'append') this.append(this.device, d.events);
    }
    this.status.set(id, 'requested');
    this.accepted.push(id);
    if (spec.key !== null && spec.supersede) {
      // Cancelling is the command's own guarded transition: only from `requested`.
      for (const target of supersedeTargets(this.device?.queue ?? [], id))
        if (this.status.get(target) === 'requested') this.status.set(target, 'cancelled');
    }
  }

  dispatch(i: number, id: string, snapshot: DeviceState | null): void {
    if (this.status.get(id) !== 'requested') return;
    const spec = this.spec(id);
    const presence = snapshot?.presence.status ?? 'unknown';
    const d = decideSend(
      { commandId: id, delivery: spec.delivery, queue: spec.key ? { key: spec.key } : null },
      presence,
      snapshot?.queue ?? [],
      this.lookup,
    );
    if (d.outcome === 'enqueue') {
      const q = decideQueue({ kind: 'enqueue', entry: d.entry }, snapshot, NOW);
      if (q.outcome === 'append') this.append(snapshot, q.events);
      return;
    }
    if (d.outcome !== 'send') return;
    this.status.set(id, 'sent'); // the command's guarded CommandSent: from requested only
    this.sends.push(id);
    this.sentOnPresence.set(id, presence);
    void i;
  }

  close(snapshot: DeviceState | null): void {
    const ids = closableEntries(snapshot?.queue ?? [], this.lookup);
    const d = decideQueue({ kind: 'close_entries', commandIds: ids }, snapshot, NOW);
    if (d.outcome === 'append') this.append(snapshot, d.events);
  }

  presence(online: boolean): void {
    const at = NOW.toISOString();
    if (online) {
      this.epoch += 1;
      this.append(this.device, [{ type: 'DeviceCameOnline', data: { epoch: this.epoch, at } }]);
    } else if (this.device?.presence.status === 'online') {
      this.append(this.device, [{ type: 'DeviceWentOffline', data: { epoch: this.epoch, at } }]);
    }
  }

  step(a: Action): void {
    const open = this.accepted.filter((id) => this.status.get(id) === 'requested');
    switch (a.t) {
      case 'accept':
        return this.accept();
      case 'read':
        this.snapshots[a.i] = this.device;
        return;
      case 'dispatch':
        if (open.length > 0) this.dispatch(a.i, open[a.pick % open.length]!, this.snapshots[a.i]!);
        return;
      case 'complete': {
        const sent = this.accepted.filter((id) => this.status.get(id) === 'sent');
        if (sent.length > 0) this.status.set(sent[a.pick % sent.length]!, 'executed');
        return;
      }
      case 'presence':
        return this.presence(a.online);
      case 'close':
        return this.close(this.snapshots[a.i]!);
    }
  }

  check(): void {
    for (const key of ['motor', 'valve']) {
      const ofKey = this.accepted.filter((id) => this.spec(id).key === key);
      // At most one command of a key in flight.
      const inFlight = ofKey.filter((id) => this.status.get(id) === 'sent');
      expect(inFlight.length).toBeLessThanOrEqual(1);
      // Sent in acceptance order.
      const sent = this.sends
        .filter((id) => this.spec(id).key === key)
        .map((id) => Number(id.slice(1)));
      expect(sent).toEqual([...sent].sort((a, b) => a - b));
    }
    for (const [id, presence] of this.sentOnPresence) {
      // Never decided to send to a device its read showed offline, unless immediate.
      if (presence === 'offline') expect(this.spec(id).delivery).toBe('immediate');
      // A superseded command is sent or cancelled, never both.
      expect(this.status.get(id)).not.toBe('cancelled');
    }
  }

  /** The device back for good, every instance reading fresh: everything ends. */
  drain(): void {
    this.presence(true);
    for (let round = 0; round < this.specs.length * 4 + 4; round++) {
      for (const id of this.accepted) this.dispatch(0, id, this.device);
      this.check();
      for (const id of this.accepted)
        if (this.status.get(id) === 'sent') this.status.set(id, 'executed');
      this.close(this.device);
    }
  }
}

describe('queues on the device stream, under interleavings of instances, reads and presence', () => {
  it('one in flight per key, acceptance order, nothing to a device read as offline unless immediate, and everything ends', () => {
    fc.assert(
      fc.property(
        fc.array(specArb, { minLength: 1, maxLength: 10 }),
        fc.array(actionArb, { maxLength: 80 }),
        (specs, actions) => {
          const w = new World(specs);
          for (const a of actions) {
            w.step(a);
            w.check();
          }
          while (w.accepted.length < specs.length) w.accept();
          w.drain();
          for (const id of w.accepted) expect(isTerminal(w.status.get(id)!)).toBe(true);
          // The drain closed every entry: the state stays small.
          expect(w.device?.queue ?? []).toEqual([]);
        },
      ),
      { numRuns: 400 },
    );
  });
});
