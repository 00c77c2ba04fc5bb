/**
 * Versioned schema of the read models, applied in order by `migrateReadModels` and recorded
 * in a table of their own (`read_model_migrations`), independent of the event store's. Never
 * edit a released migration: add the next one.
 */
export interface ReadModelMigration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

const checkpoints: ReadModelMigration = {
  version: 1,
  name: 'projection checkpoints',
  sql: `
    -- One row per projection. \`position\` is the store's opaque, sortable position of the last
    -- event applied (NULL: none yet); it is only ever moved by a compare-and-set in the same
    -- transaction as the rows that event produced.
    CREATE TABLE projection_checkpoints (
      name       text PRIMARY KEY,
      version    integer NOT NULL,
      position   text,
      updated_at timestamptz NOT NULL DEFAULT now()
    );
  `,
};

const commandStatus: ReadModelMigration = {
  version: 2,
  name: 'command_status',
  sql: `
    -- One row per command: the folded state (jsonb, the source of the API view) and the
    -- columns that queries filter and sort on, recomputed from it on every change.
    CREATE TABLE command_status (
      command_id      text PRIMARY KEY,
      device_id       text NOT NULL,
      name            text NOT NULL,
      status          text NOT NULL,
      revision        bigint NOT NULL,
      attempt         integer NOT NULL,
      retry_of        text,
      retried_by      text,
      requested_at    timestamptz NOT NULL,
      sent_at         timestamptz,
      acknowledged_at timestamptz,
      completed_at    timestamptz,
      result          jsonb,
      error           text,
      late_result     jsonb,
      payload         jsonb NOT NULL,
      next_deadline   timestamptz,
      -- Closed in a status its retry policy lists, below maxAttempts: a retry is owed.
      retry_pending   boolean NOT NULL DEFAULT false,
      state           jsonb NOT NULL,
      updated_at      timestamptz NOT NULL DEFAULT now()
    );
    -- Newest first is (requested_at, command_id) descending: the cursor's sort key.
    CREATE INDEX command_status_newest_idx
      ON command_status (requested_at DESC, command_id DESC);
    CREATE INDEX command_status_device_newest_idx
      ON command_status (device_id, requested_at DESC, command_id DESC);
    CREATE INDEX command_status_status_newest_idx
      ON command_status (status, requested_at DESC, command_id DESC);
    CREATE INDEX command_status_device_status_newest_idx
      ON command_status (device_id, status, requested_at DESC, command_id DESC);
    -- What a sweeper scans for overdue commands: only the open ones are in it.
    CREATE INDEX command_status_open_deadline_idx
      ON command_status (next_deadline) WHERE next_deadline IS NOT NULL;
    -- Attempts owed a retry that has not appeared yet (the retry's row sets retried_by).
    CREATE INDEX command_status_retry_due_idx
      ON command_status (completed_at) WHERE retry_pending AND retried_by IS NULL;
  `,
};

const deviceSummary: ReadModelMigration = {
  version: 3,
  name: 'device_summary',
  sql: `
    CREATE TABLE device_summary (
      device_id       text PRIMARY KEY,
      requested       bigint NOT NULL DEFAULT 0,
      sent            bigint NOT NULL DEFAULT 0,
      acknowledged    bigint NOT NULL DEFAULT 0,
      executed        bigint NOT NULL DEFAULT 0,
      failed          bigint NOT NULL DEFAULT 0,
      timed_out       bigint NOT NULL DEFAULT 0,
      cancelled       bigint NOT NULL DEFAULT 0,
      expired         bigint NOT NULL DEFAULT 0,
      last_command_id text,
      last_command_at timestamptz,
      last_seen_at    timestamptz
    );
    -- The device_summary projection's own memory of each command's status, so that it can move
    -- a count from the old status to the new one without depending on another projection.
    CREATE TABLE device_summary_commands (
      command_id text PRIMARY KEY,
      device_id  text NOT NULL,
      status     text NOT NULL,
      revision   bigint NOT NULL
    );
  `,
};

const stateTopic: ReadModelMigration = {
  version: 4,
  name: 'state_topic_commands',
  sql: `
    -- The retained state topic's memory: each command's device (only CommandRequested says it)
    -- and the last state published, so a batch never publishes an older one.
    CREATE TABLE state_topic_commands (
      command_id text PRIMARY KEY,
      device_id  text NOT NULL,
      status     text NOT NULL,
      revision   bigint NOT NULL
    );
  `,
};

const groupMembers: ReadModelMigration = {
  version: 5,
  name: 'group_members',
  sql: `
    -- A group's head as applied: the revision the membership rows below are of, and the count.
    CREATE TABLE group_heads (
      group_name   text PRIMARY KEY,
      revision     bigint NOT NULL,
      member_count integer NOT NULL,
      updated_at   timestamptz NOT NULL
    );
    -- One row per membership interval: a member from added_revision until removed_revision
    -- (NULL: still a member). "Members at revision N" and "joined after N" are keyset queries.
    CREATE TABLE group_members (
      group_name       text NOT NULL,
      device_id        text NOT NULL,
      added_revision   bigint NOT NULL,
      removed_revision bigint,
      PRIMARY KEY (group_name, device_id, added_revision)
    );
    CREATE UNIQUE INDEX group_members_current_idx
      ON group_members (group_name, device_id) WHERE removed_revision IS NULL;
    CREATE INDEX group_members_joined_idx ON group_members (group_name, added_revision, device_id);
  `,
};

const fleetProgress: ReadModelMigration = {
  version: 6,
  name: 'fleet_progress',
  sql: `
    -- One row per fleet command: status and request from its stream, children by the status
    -- of their current attempt (counts), and the tally of final outcomes in log order (tally).
    CREATE TABLE fleet_progress (
      fleet_command_id text PRIMARY KEY,
      status           text NOT NULL,
      revision         bigint NOT NULL,
      request          jsonb NOT NULL,
      requested_at     timestamptz NOT NULL,
      issued_by        text NOT NULL,
      targets          integer NOT NULL,
      group_revision   bigint,
      created          integer NOT NULL,
      ended_at         timestamptz,
      counts           jsonb NOT NULL,
      tally            jsonb NOT NULL
    );
    CREATE INDEX fleet_progress_newest_idx ON fleet_progress (requested_at DESC, fleet_command_id DESC);
    CREATE INDEX fleet_progress_status_newest_idx
      ON fleet_progress (status, requested_at DESC, fleet_command_id DESC);
    -- One row per child (its first attempt's id), at its current attempt.
    CREATE TABLE fleet_children (
      command_id       text PRIMARY KEY,
      fleet_command_id text NOT NULL,
      device_id        text NOT NULL,
      attempt          integer NOT NULL,
      status           text NOT NULL,
      outcome          text
    );
    CREATE INDEX fleet_children_fleet_status_idx ON fleet_children (fleet_command_id, status);
    -- A retry's id and its child's.
    CREATE TABLE fleet_attempts (
      command_id text PRIMARY KEY,
      child_id   text NOT NULL
    );
  `,
};

const commandIssuer: ReadModelMigration = {
  version: 7,
  name: 'command_status.issued_by',
  sql: `
    -- Who issued the command: metadata.issuedBy of its CommandRequested (CONTRACT.md section 2),
    -- for GET /commands?issuedBy= and \`ratchet audit issuer\`. NULL for events written before
    -- it was recorded. Filled by the command_status projection (version 2 replays the log).
    ALTER TABLE command_status ADD COLUMN issued_by text;
    CREATE INDEX command_status_issuer_newest_idx
      ON command_status (issued_by, requested_at DESC, command_id DESC);
  `,
};

const commandFleet: ReadModelMigration = {
  version: 9,
  name: 'command_status fleet index',
  sql: `
    -- GET /commands?fleetCommandId=: a fleet's children (and their retries), newest first. The
    -- fleet is in the state (CommandRequested names it), so no projection change is needed.
    CREATE INDEX command_status_fleet_newest_idx
      ON command_status ((state->>'fleetCommandId'), requested_at DESC, command_id DESC)
      WHERE state ? 'fleetCommandId';
  `,
};

const ledgerLiveness: ReadModelMigration = {
  version: 8,
  name: 'ledger_liveness',
  sql: `
    -- One row: the last beat of any sweeper, and the last outage (no instance running) that an
    -- instance starting found, so that deadlines falling due in it get a recovery grace.
    CREATE TABLE ledger_liveness (
      id          smallint PRIMARY KEY CHECK (id = 1),
      last_beat   timestamptz NOT NULL,
      outage_from timestamptz,
      outage_to   timestamptz
    );
  `,
};

const stateTopicOutbox: ReadModelMigration = {
  version: 10,
  name: 'state_topic_commands.outbox',
  sql: `
    -- The state topic is published after its batch commits, never inside it: a row is pending
    -- until published at its revision. at: the state's time, for the message. claimed_revision:
    -- the newest revision some instance is publishing (see state-topic.projection.ts).
    -- Existing rows were published inside their batch.
    ALTER TABLE state_topic_commands
      ADD COLUMN at timestamptz,
      ADD COLUMN claimed_revision bigint,
      ADD COLUMN published_revision bigint;
    UPDATE state_topic_commands SET claimed_revision = revision, published_revision = revision;
    CREATE INDEX state_topic_commands_pending_idx ON state_topic_commands (command_id)
      WHERE published_revision IS NULL OR published_revision < revision;
  `,
};

const devicePresence: ReadModelMigration = {
  version: 11,
  name: 'device_presence',
  sql: `
    -- Each device's presence as its stream (device-<deviceId>) records it (CONTRACT.md section
    -- 5): for GET /devices/{id}, the console, and the sweep, which leaves alone the commands
    -- that wait for an offline device. Rows move forward only (revision guard).
    CREATE TABLE device_presence (
      device_id text PRIMARY KEY,
      status    text NOT NULL,
      epoch     bigint NOT NULL,
      since     timestamptz NOT NULL,
      revision  bigint NOT NULL
    );
  `,
};

const stateTopicPending: ReadModelMigration = {
  version: 12,
  name: 'state_topic_pending',
  sql: `
    -- The rows still to publish, in a table of their own: a claim reads this small table, not a
    -- partial index of state_topic_commands that every publish turned into dead entries (the
    -- claim slowed from 0.6 to 4.9 ms over a 6-minute soak). With no index on the columns a
    -- publish changes, its update of state_topic_commands is a HOT update (fillfactor leaves
    -- room on the page for it).
    CREATE TABLE state_topic_pending (command_id text PRIMARY KEY);
    INSERT INTO state_topic_pending (command_id)
      SELECT command_id FROM state_topic_commands
       WHERE published_revision IS NULL OR published_revision < revision;
    DROP INDEX state_topic_commands_pending_idx;
    ALTER TABLE state_topic_commands SET (fillfactor = 80);
  `,
};

export const READ_MODEL_MIGRATIONS: readonly ReadModelMigration[] = [
  checkpoints,
  commandStatus,
  deviceSummary,
  stateTopic,
  groupMembers,
  fleetProgress,
  commandIssuer,
  ledgerLiveness,
  commandFleet,
  stateTopicOutbox,
  devicePresence,
  stateTopicPending,
];
