/**
 * Device presence as data (CONTRACT.md section 5): statuses, events, the epoch rule as a table,
 * and `evolvePresence`. Pure: no framework, no I/O, no clock.
 *
 * A device's session epoch rises with every connection, so the epoch tells a fresh message
 * from a late one: `online` at `e` only if `e` is above every epoch recorded, `offline` at `e`
 * only while `online` at exactly `e`. Offline only ever follows online at the same epoch, so
 * the epoch held in the presence is always the highest one recorded.
 */
export const PRESENCE_STATUSES = ['unknown', 'online', 'offline'] as const;
export type PresenceStatus = (typeof PRESENCE_STATUSES)[number];

export interface PresenceEventData {
  /** The device's session epoch: a safe integer ≥ 1 (see {@link isValidEpoch}). */
  readonly epoch: number;
  readonly at: string;
}

export type PresenceEvent =
  | { readonly type: 'DeviceCameOnline'; readonly data: PresenceEventData }
  | { readonly type: 'DeviceWentOffline'; readonly data: PresenceEventData };
export type PresenceEventType = PresenceEvent['type'];

/** As `GET /devices/{id}` shows it: `unknown` until the device first reports. */
export type Presence =
  | { readonly status: 'unknown'; readonly epoch: null; readonly since: null }
  | {
      readonly status: 'online' | 'offline';
      /** The latest recorded epoch (for `offline`, the session that ended). */
      readonly epoch: number;
      /** When the status last changed. */
      readonly since: string;
    };

export const UNKNOWN_PRESENCE: Presence = { status: 'unknown', epoch: null, since: null };

/** `above_recorded`: higher than every epoch recorded; `equal_to_recorded`: exactly the current. */
export type EpochRule = 'above_recorded' | 'equal_to_recorded';

/** The epoch rule: from which statuses each event applies, at which epoch, and where it leads. */
export const PRESENCE_RULES: Readonly<
  Record<
    PresenceEventType,
    {
      readonly from: readonly PresenceStatus[];
      readonly epoch: EpochRule;
      readonly to: Exclude<PresenceStatus, 'unknown'>;
    }
  >
> = {
  DeviceCameOnline: {
    from: ['unknown', 'online', 'offline'],
    epoch: 'above_recorded',
    to: 'online',
  },
  DeviceWentOffline: { from: ['online'], epoch: 'equal_to_recorded', to: 'offline' },
};
export const PRESENCE_EVENT_TYPES = Object.keys(PRESENCE_RULES) as PresenceEventType[];

/** An epoch a device may report: a whole number from 1 to 2^53 − 1 (JSON-safe). */
export const isValidEpoch = (e: unknown): e is number =>
  typeof e === 'number' && Number.isSafeInteger(e) && e >= 1;

function epochFits(rule: EpochRule, epoch: number, recorded: number | null): boolean {
  switch (rule) {
    case 'above_recorded':
      return recorded === null || epoch > recorded;
    case 'equal_to_recorded':
      return epoch === recorded;
    default: {
      const _exhaustive: never = rule;
      return _exhaustive;
    }
  }
}

/** May `event` follow `presence`? The table; `evolvePresence` refuses anything else. */
export function canApplyPresence(presence: Presence, event: PresenceEvent): boolean {
  const rule = PRESENCE_RULES[event.type];
  return (
    isValidEpoch(event.data.epoch) &&
    rule.from.includes(presence.status) &&
    epochFits(rule.epoch, event.data.epoch, presence.epoch)
  );
}

export class IllegalPresenceTransitionError extends Error {
  override readonly name = 'IllegalPresenceTransitionError';
  constructor(
    readonly presence: Presence,
    readonly event: PresenceEvent,
  ) {
    super(
      `illegal presence transition: ${event.type} at epoch ${event.data.epoch} while ` +
        `${presence.status}${presence.epoch === null ? '' : ` at epoch ${presence.epoch}`}`,
    );
  }
}

export function evolvePresence(presence: Presence, event: PresenceEvent): Presence {
  if (!canApplyPresence(presence, event)) throw new IllegalPresenceTransitionError(presence, event);
  const to = PRESENCE_RULES[event.type].to;
  const { epoch, at } = event.data;
  switch (event.type) {
    case 'DeviceCameOnline':
    case 'DeviceWentOffline':
      // `since` moves only when the status changes: a new session of a device already online
      // (its previous will was lost) keeps it online since then.
      return { status: to, epoch, since: presence.status === to ? presence.since! : at };
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
}
