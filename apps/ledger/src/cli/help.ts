/** `npx ratchet --help`. */
export const HELP = `Ratchet ledger: operator tools. Same configuration as the service (LEDGER_STORE,
LEDGER_DATA_DIR, DATABASE_URL, EVENTSTORE_URL: see README.md).

usage: npx ratchet <command> [options]

  projections status [--json]
      each projection: version (in the database / in this code), checkpoint, lag behind the
      log, rows, and tables an interrupted rebuild left behind
  projections rebuild <name> [--batch-size <events>]
      replays the whole log into fresh tables and switches to them atomically; the service
      keeps serving (and updating) the old ones until the switch. Names: command_status,
      device_summary. Progress on stderr (a bar on a terminal, a line every 2 s otherwise)
  verify [--json] [--max-findings <n>]
      the ledger's fsck: every command stream against the lifecycle (ranks rise, revision 0
      is CommandRequested, one terminal event, one late observation, retry links), and
      command_status against a fresh fold of the log up to its checkpoint
  audit device <deviceId> [--from <iso>] [--to <iso>] [--json]
      every command issued to the device with from <= requestedAt < to (default: all), each
      with its full history
  audit issuer <name> [--from <iso>] [--to <iso>] [--json]
      every command the credential <name> issued (metadata.issuedBy: also anonymous, system)
      with from <= requestedAt < to, each with its full history and who caused each event
  audit late-results [--json]
      commands that ended timed_out and then got a result from the device (it did act)
  audit fleet <fleetCommandId> [--json]
      a fleet command: its status and counts, every decision of its stream (issued, marks,
      pauses, the abort with the counts that crossed the threshold, who did what), and each
      child with its device, attempt, status and final outcome
  export command <commandId>
  export fleet <fleetCommandId>
  export device <deviceId> [--from <iso>] [--to <iso>]
      the history as JSON lines on stdout, one event per line
  help, --help

The audit and export of a device read the command_status read model to find its commands:
they are as complete as its checkpoint (see projections status). export command reads the log.
The audit and export of a fleet find its children in fleet_progress (likewise).

exit codes: 0 done (verify: nothing found), 1 verify found violations or mismatches,
2 unknown command or option, or invalid configuration, 3 could not run (the store is in use
or unreachable, the rebuild failed, …)
`;
