/** What every appended event carries besides its data (STYLE.md habit 11). */
export interface TransitionMetadata {
  /** The request or message the whole exchange started from. */
  readonly correlationId: string;
  /** The event or message that directly caused this one. */
  readonly causationId: string | null;
  /** The ledger instance that wrote it. */
  readonly instanceId?: string;
  /**
   * Who caused it (CONTRACT.md section 2): the API credential's name (or the principal a host
   * passed with the command), `anonymous` when the API is open, `system` for what the ledger
   * does by itself (dispatch, timeouts, expiry, retries), `device:<deviceId>` for a device's
   * ack or result. Absent on events written before it was recorded.
   */
  readonly issuedBy?: string;
  /** Where the input came from. */
  readonly source?: 'http' | 'bus' | 'mqtt' | 'sweeper' | 'retry' | 'dispatcher' | 'rollout';
  /** For a device's ack or result: its session epoch when it acted, if it said (section 3). */
  readonly epoch?: number;
  /** For device inputs: the MQTT packet facts that help an audit. */
  readonly mqtt?: {
    readonly topic: string;
    readonly qos: number;
    readonly dup: boolean;
    readonly retain: boolean;
    readonly messageId?: number;
  };
}
