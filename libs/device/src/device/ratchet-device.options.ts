/** What `new RatchetDevice(…)` takes. */
import path from 'node:path';
import type { ConnectionOptions } from '../link/connection.options.js';
import type { DedupeLimits, DeviceStore } from '../store/device-store.port.js';

export interface RatchetDeviceOptions extends ConnectionOptions {
  /** The device's id, as in the topics: `^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`. */
  readonly deviceId: string;
  /**
   * Where the device keeps its epoch, the commands it has seen and its unsent answers, across
   * restarts: a directory (default `./.ratchet-device/<deviceId>`, created if missing), or a
   * store of your own — `new MemoryDeviceStore()` keeps nothing across restarts.
   */
  readonly store?: string | DeviceStore;
  /** For the default file store: how much of the past it keeps to deduplicate. */
  readonly dedupe?: DedupeLimits;
  /**
   * For the default file store: true (the default) takes epochs from the clock when it is
   * ahead of the stored one, false counts 1, 2, 3, …
   */
  readonly epochFromClock?: boolean;
  /** How many commands run at once; default 1: one after another, in the order they came. */
  readonly concurrency?: number;
  /** How long `stop()` waits for running and queued commands; default 10000. */
  readonly stopTimeoutMs?: number;
}

export const DEFAULT_STOP_TIMEOUT_MS = 10_000;

export const defaultStateDir = (deviceId: string): string =>
  path.join(process.cwd(), '.ratchet-device', deviceId);
