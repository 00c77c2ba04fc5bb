import type { TransitionMetadata } from '@ratchet/lifecycle';

/** Facts about the MQTT message that carried a device's input, kept in the event for audit. */
export type MqttFacts = NonNullable<TransitionMetadata['mqtt']>;

export interface DeviceInputOutcome {
  readonly outcome: 'applied' | 'unchanged';
  /** Why nothing changed: duplicate, stale, late, device_mismatch, not_found. */
  readonly reason?: string;
}

/** A device input never fails its sender: a rejection or a no-op is reported as unchanged. */
export const toDeviceOutcome = (
  r:
    | { outcome: 'applied' }
    | { outcome: 'unchanged'; reason: string }
    | { outcome: 'rejected'; code: string },
): DeviceInputOutcome =>
  r.outcome === 'applied'
    ? { outcome: 'applied' }
    : { outcome: 'unchanged', reason: r.outcome === 'unchanged' ? r.reason : r.code };
