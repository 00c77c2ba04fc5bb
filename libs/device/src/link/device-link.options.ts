/** What a `DeviceLink` takes, how it stops, and what it tells its listeners. */
import type { DeviceStore } from '../store/device-store.port.js';
import type { ConnectionOptions } from './connection.options.js';
import type { IntentDelivery } from './intent-delivery.js';

export interface DeviceLinkOptions extends ConnectionOptions {
  /** The devices this connection speaks for: one, or a gateway's several (then no will). */
  readonly deviceIds: readonly string[];
  readonly store: DeviceStore;
  /** Called once per arriving intent; must not throw (what it throws is logged). */
  readonly onIntent: (delivery: IntentDelivery) => void;
}

export interface StopOptions {
  /**
   * Default true: publish `offline` for each device, then DISCONNECT (the broker drops the
   * will). False: close the socket as a crash would, so the broker publishes the will.
   */
  readonly goodbye?: boolean;
  /** How long the goodbye may take before the socket is closed anyway; default 5000. */
  readonly timeoutMs?: number;
}

export interface DeviceLinkEvents {
  /** A session began (the first connection or a reconnection), at this epoch. */
  connected: [{ readonly epoch: number; readonly sessionPresent: boolean }];
  /** The connection is gone (dropped, or stopped); answers wait in the store. */
  disconnected: [];
}
