/** Bounded waits for MQTT work that, with the broker gone, would never end. */
import type { MqttConnection } from './client-options.js';

/** `work`'s value, or `'late'` once `ms` have passed (the timer does not hold the process). */
export const withinMs = <T>(work: Promise<T>, ms: number): Promise<T | 'late'> =>
  Promise.race([work, new Promise<'late'>((r) => setTimeout(() => r('late'), ms).unref())]);

/**
 * A graceful DISCONNECT (it waits for outgoing QoS 1 messages) within `ms`, else the socket is
 * closed: with the broker gone the graceful one never ends.
 */
export const closeWithin =
  (ms: number) =>
  async (c: MqttConnection): Promise<void> => {
    if ((await withinMs(c.close(), ms)) === 'late') await c.close(true);
  };
