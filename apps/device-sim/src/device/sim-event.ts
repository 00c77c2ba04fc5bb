/** What the fleet reports as it works: the CLI prints these, tests may collect them. */
import type { ReceivedIntent } from '@ratchet/device';
import type { AnswerPlan } from '../behaviour/plan-answer.js';

/** How a connection's presence changed, or what it pretended. */
export type PresenceKind =
  /** A session began: `online` at its epoch. */
  | 'birth'
  /** A clean departure: `offline` at its epoch, then DISCONNECT. */
  | 'goodbye'
  /** The socket dropped on purpose: the broker publishes the will (`offline` at its epoch). */
  | 'dropped'
  /** An older session's `offline`, published after the birth. */
  | 'stale-will'
  /** An older session's `online`, published after the birth. */
  | 'replayed-birth';

export type SimEvent =
  | {
      readonly type: 'intent';
      readonly deviceId: string;
      readonly intent: ReceivedIntent;
      /** The same commandId came again: the device repeats its first answer. */
      readonly duplicate: boolean;
      readonly plan: AnswerPlan;
    }
  | {
      readonly type: 'invalid-intent';
      readonly deviceId: string;
      readonly commandId: string;
      readonly reason: string;
    }
  | { readonly type: 'replay'; readonly deviceId: string; readonly count: number }
  | {
      readonly type: 'connection';
      readonly connection: number;
      readonly state: 'offline' | 'reconnected';
    }
  | {
      readonly type: 'presence';
      readonly connection: number;
      readonly deviceIds: readonly string[];
      readonly kind: PresenceKind;
      readonly online: boolean;
      readonly epoch: number;
    };

export type SimEventListener = (event: SimEvent) => void;
