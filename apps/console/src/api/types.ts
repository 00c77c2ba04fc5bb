/** The shapes of CONTRACT.md section 2, as far as the console reads them. */
export const STATUSES = [
  'requested',
  'sent',
  'acknowledged',
  'executed',
  'failed',
  'timed_out',
  'cancelled',
  'expired',
] as const;
export type CommandStatus = (typeof STATUSES)[number];
export const TERMINAL: readonly CommandStatus[] = [
  'executed',
  'failed',
  'timed_out',
  'cancelled',
  'expired',
];

export interface Waiting {
  readonly reason: 'device_offline' | 'queued' | string;
  readonly behind?: string;
}

export interface LateResult {
  readonly at: string;
  readonly status: 'executed' | 'failed';
  readonly output?: unknown;
  readonly error: string | null;
}

export interface Command {
  readonly commandId: string;
  readonly deviceId: string;
  readonly name: string;
  readonly payload: Record<string, unknown>;
  readonly status: CommandStatus;
  readonly revision: number;
  readonly attempt: number;
  readonly retryOf: string | null;
  readonly retriedBy: string | null;
  /** v2 fields: absent on a ledger that does not have them yet. */
  readonly fleetCommandId?: string | null;
  readonly delivery?: string;
  readonly queue?: { readonly key: string; readonly supersede?: boolean } | null;
  readonly waiting?: Waiting | null;
  readonly supersededBy?: string | null;
  readonly requestedAt: string;
  readonly sentAt: string | null;
  readonly acknowledgedAt: string | null;
  readonly completedAt: string | null;
  readonly result: unknown;
  readonly error: string | null;
  readonly lateResult: LateResult | null;
}

export interface Page<T> {
  readonly items: T[];
  readonly next: string | null;
}

export interface HistoryEvent {
  readonly revision: number;
  readonly type: string;
  readonly data: Record<string, unknown>;
  readonly metadata: {
    readonly instanceId?: string;
    readonly source?: string;
    readonly issuedBy?: string;
    readonly epoch?: number;
    readonly correlationId?: string;
    readonly causationId?: string | null;
    readonly mqtt?: {
      readonly topic: string;
      readonly qos: number;
      readonly dup: boolean;
      readonly retain: boolean;
      readonly messageId?: number;
    };
    readonly [key: string]: unknown;
  };
  readonly recordedAt: string;
}

export interface History {
  readonly commandId: string;
  readonly events: HistoryEvent[];
}

export interface Presence {
  readonly status: 'unknown' | 'online' | 'offline';
  readonly epoch: number | null;
  readonly since: string | null;
}

export interface DeviceSummary {
  readonly deviceId: string;
  readonly presence?: Presence;
  readonly total: number;
  readonly byStatus: Partial<Record<CommandStatus, number>>;
  readonly waiting?: number;
  readonly lastCommand: { readonly commandId: string; readonly requestedAt: string } | null;
  readonly lastSeenAt: string | null;
  readonly successRate: number | null;
}

export type FleetStatus = 'rolling_out' | 'paused' | 'completed' | 'aborted' | 'cancelled';

export interface FleetCommand {
  readonly fleetCommandId: string;
  readonly status: FleetStatus;
  readonly name: string;
  readonly target: {
    readonly group?: string;
    readonly deviceIds?: string[];
    readonly continuous?: boolean;
  };
  readonly rollout?: { readonly perMinute?: number; readonly maxInFlight?: number } | null;
  readonly abort?: { readonly afterCompleted?: number; readonly maxFailureRatio?: number } | null;
  readonly createdAt: string;
  readonly completedAt: string | null;
  readonly targets: number;
  readonly counts: Partial<Record<CommandStatus | 'not_created', number>>;
}

/** One `transition` of `GET /events`. */
export interface Transition {
  readonly commandId: string;
  readonly deviceId: string;
  readonly fleetCommandId: string | null;
  readonly type: string;
  readonly status: CommandStatus | null;
  readonly revision: number;
  readonly at: string;
}

export interface Readiness {
  readonly ok: boolean;
  readonly checks: Record<string, 'up' | 'down'>;
  readonly messages: string[];
  readonly lag: Record<
    string,
    { readonly events: number; readonly capped: boolean; readonly ms: number }
  >;
}
