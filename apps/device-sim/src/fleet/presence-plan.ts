/**
 * When a connection goes offline and comes back, and what it lies about after a birth — drawn
 * from the connection's own seeded stream, so that a seed replays the same story.
 */
import { errorMessage, type MqttLogger } from '@ratchet/mqtt';
import type { BehaviourOptions } from '../behaviour/behaviour.options.js';
import { happens, intBetween, type Random } from '../random/seeded-random.js';

export interface PresenceActions {
  /** `clean`: a goodbye and a DISCONNECT; otherwise the socket is dropped (the will goes out). */
  goOffline(clean: boolean): Promise<void>;
  /** Reconnects at a new epoch; rejects if it cannot (tried again after `offlineForMs`). */
  comeBack(): Promise<void>;
  readonly logger: MqttLogger;
}

/** A presence message about an older session, published after a new birth. */
export interface PresenceLie {
  readonly online: boolean;
  readonly epoch: number;
}

export class PresencePlan {
  private timer?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly b: BehaviourOptions,
    private readonly rng: Random,
    private readonly act: PresenceActions,
  ) {}

  /** Schedules the first departure (if this connection ever leaves). */
  start(): void {
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /**
   * Right after a birth: a stale will (an older session's `offline`) or a replayed birth (an
   * older session's `online`), or nothing. Draws the same number of values whatever the rates.
   */
  afterBirth(older: readonly number[]): PresenceLie | undefined {
    const [will, birth, which] = [this.rng.next(), this.rng.next(), this.rng.next()];
    if (older.length === 0) return undefined;
    const epoch = older[intBetween(which, 0, older.length - 1)]!;
    if (happens(will, this.b.staleWillRate)) return { online: false, epoch };
    if (happens(birth, this.b.replayedBirthRate)) return { online: true, epoch };
    return undefined;
  }

  private schedule(): void {
    const every = this.b.offlineEveryMs;
    if (this.stopped || every <= 0) return;
    const delay = intBetween(this.rng.next(), Math.ceil(every / 2), every);
    this.timer = setTimeout(() => void this.leave(), delay);
  }

  private async leave(): Promise<void> {
    const clean = !happens(this.rng.next(), this.b.uncleanOfflineRate);
    try {
      await this.act.goOffline(clean);
    } catch (e) {
      this.act.logger.warn(`device-sim: going offline failed: ${errorMessage(e)}`);
    }
    this.later(() => this.back());
  }

  private async back(): Promise<void> {
    if (this.stopped) return;
    try {
      await this.act.comeBack();
      this.schedule();
    } catch {
      this.later(() => this.back());
    }
  }

  private later(f: () => Promise<void>): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void f(), this.b.offlineForMs);
  }
}
