/**
 * What the devices answered, from the fleet's own reports: for each command a device decided
 * to answer, the outcome it sent and when its last message was due. Every such result must
 * end up in the ledger, as the result or as a late result (CONTRACT.md rule 6). The broker
 * persists its sessions across its restart; what it cannot keep is a message published to a
 * shared subscription between its restart and the members' re-subscription (Mosquitto 2.0
 * restores shared subscriptions only when their sessions come back), so those are told apart.
 */
import type { SimEvent } from '@ratchet/device-sim';

export interface DeviceAnswer {
  readonly deviceId: string;
  readonly status: 'executed' | 'failed';
  /** Epoch ms at which the device published its result (or queued it, while offline). */
  readonly resultAt: number;
  /** Epoch ms by which the device had published all its answers (its plan's last message). */
  readonly sentBy: number;
}

export class DeviceEvidence {
  readonly answers = new Map<string, DeviceAnswer>();

  /** The fleet's `onEvent`. */
  readonly listener = (e: SimEvent): void => {
    if (e.type !== 'intent' || e.duplicate || e.plan.outcome !== 'answered') return;
    const now = Date.now();
    const last = e.plan.messages.reduce((m, x) => Math.max(m, x.atMs), 0);
    const result = e.plan.messages.find((m) => m.kind === 'result' && m.copy === 'original');
    this.answers.set(e.intent.commandId, {
      deviceId: e.deviceId,
      status: e.plan.status,
      resultAt: now + (result?.atMs ?? last),
      sentBy: now + last,
    });
  };
}
