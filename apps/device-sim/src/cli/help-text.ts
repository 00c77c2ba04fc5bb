/** `--help`: every option, with its default. */
export const HELP = `device-sim: simulated MQTT devices that answer Ratchet's intents, honestly or not.

Usage: npm run device-sim -- [options]

Each device subscribes to devices/{id}/commands/+ and answers an intent with {} on
…/{commandId}/ack and {"status":"executed","output":…} on …/{commandId}/result (QoS 1).
One line is printed per command; Ctrl-C prints the statistics and exits.

Broker and fleet
  --url <url>                     broker (default mqtt://127.0.0.1:1883, the ledger's embedded broker)
  --username <name>               broker account (or put it in the URL)
  --password <secret>
  --protocol <auto|5|4>           MQTT version; auto tries 5, then 3.1.1 (default auto)
  --devices <n>                   how many devices, named <prefix>-1 … <prefix>-<n> (default 10)
  --prefix <text>                 device id prefix (default device)
  --device-ids <a,b,c>            explicit device ids instead of --devices/--prefix
  --devices-per-connection <n>    devices sharing one MQTT connection; 1 = one each (default 100)
  --clean-session                 a clean MQTT session per connection (default: persistent, as real
                                  devices: the broker keeps intents sent while the fleet is away)
  --session-expiry-seconds <s>    MQTT 5: how long the broker keeps that session (default 600)
  --seed <n>                      seed of every random choice; printed at start so a run can be
                                  replayed (default: random)

Honest behaviour
  --result-delay-ms <ms>          execution time: the result follows the ack by this (default 0)
  --execute-expired               execute intents whose expiresAt has passed (default: ignore them)

Adversarial behaviours (rates from 0 to 1, drawn per intent; default 0)
  --duplicate-rate <r>            send 1–3 extra copies of the ack and of the result
  --delay-max-ms <ms>             delay answers by a random time up to this (default 0: no delay)
  --delay-rate <r>                chance that an intent's answers are delayed (default 1)
  --result-before-ack-rate <r>    publish the result first, then the ack
  --no-ack-rate <r>               never ack; send the result only
  --silent-rate <r>               never answer
  --failure-rate <r>              answer {"status":"failed","error":…}
  --spoof-rate <r>                also answer under another device's id (same commandId), first
  --replay-rate <r>               after each reconnect, re-publish each remembered old answer
                                  with this chance
  --replay-buffer <n>             answers each device remembers for replays (default 50)
  --reconnect-every-ms <ms>       drop and re-open the connections this often (default: never;
                                  10000 when --replay-rate is above 0)

Output
  --quiet                         no line per command, only the statistics at the end
  -h, --help                      this text

Example: npm run device-sim -- --devices 3 --prefix pump --duplicate-rate 0.2 --seed 42`;
