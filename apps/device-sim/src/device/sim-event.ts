/** What the fleet reports as it works: the CLI prints these, tests may collect them. */
import type { AnswerPlan } from '../behaviour/plan-answer.js';
import type { Intent } from './intent-message.js';

export type SimEvent =
  | {
      readonly type: 'intent';
      readonly deviceId: string;
      readonly intent: Intent;
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
    };

export type SimEventListener = (event: SimEvent) => void;
