/** `--help`: every option, with its default. */
export const HELP = `device-sim: simulated MQTT devices that answer Ratchet's intents, honestly or not.

Usage: npm run device-sim -- [options]

The devices speak through @ratchet/device: each connection announces its devices' presence
({"online":true,"epoch":n} retained on devices/{id}/presence, a new epoch per session, with a
will when it serves one device), subscribes to devices/{id}/commands/+, and answers an intent
with {"epoch":n} on …/{commandId}/ack and {"status":"executed","output":…,"epoch":n} on
…/{commandId}/result (QoS 1), deduplicated by commandId, kept while disconnected. One line is
printed per command and per presence change; Ctrl-C prints the statistics and exits.

Broker and fleet
  --url <url>                     broker (default mqtt://127.0.0.1:1883, the ledger's embedded broker)
  --username <name>               broker account (or put it in the URL)
  --password <secret>
  --ca <file>                     TLS (mqtts://host:8883): the CA that signed the broker's
                                  certificate (default: Node's public CAs); always verified
  --cert <file>, --key <file>     the device's client certificate and key (PEM); a broker with
                                  use_identity_as_username takes its common name as the username
  --protocol <auto|5|4>           MQTT version; auto tries 5, then 3.1.1 (default auto)
  --devices <n>                   how many devices, named <prefix>-1 … <prefix>-<n> (default 10)
  --prefix <text>                 device id prefix (default device)
  --device-ids <a,b,c>            explicit device ids instead of --devices/--prefix
  --devices-per-connection <n>    devices sharing one MQTT connection; 1 = one each, each with its
                                  will (default 100: shared connections have no will)
  --clean-session                 a clean MQTT session per connection (default: persistent, as real
                                  devices: the broker keeps intents sent while the fleet is away)
  --session-expiry-seconds <s>    MQTT 5: how long the broker keeps that session (default 600)
  --no-presence                   no birth, will or goodbye: version-1 devices, whose presence the
                                  ledger never knows
  --seed <n>                      seed of every random choice; printed at start so a run can be
                                  replayed (default: random)

Honest behaviour
  --result-delay-ms <ms>          execution time: the result follows the ack by this (default 0)
  --execute-expired               execute intents whose expiresAt has passed (default: refuse them,
                                  ack then failed with the reason, as @ratchet/device does)

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
  --reconnect-every-ms <ms>       drop and re-open the connections this often (the broker sends
                                  the wills; back at once at new epochs) (default: never; 10000
                                  when --replay-rate is above 0)

Presence (per connection: its devices come and go together)
  --offline-every-ms <ms>         go offline about this often (between half and all of it), stay
                                  away --offline-for-ms, come back at a new epoch (default: never)
  --offline-for-ms <ms>           how long each absence lasts (default 2000)
  --unclean-offline-rate <r>      chance an absence starts with a dropped socket (the broker sends
                                  the will) instead of a goodbye and a clean disconnect (default 0.5)
  --stale-will-rate <r>           after each birth, publish an older session's offline: a will
                                  delivered late (retained: a newcomer may see it, not the birth)
  --replayed-birth-rate <r>       after each birth, publish an older session's online: a replayed
                                  birth

Output
  --quiet                         no line per command, only the statistics at the end
  -h, --help                      this text

Examples: npm run device-sim -- --devices 3 --prefix pump --duplicate-rate 0.2 --seed 42
          npm run device-sim -- --devices 3 --prefix pump --devices-per-connection 1 \\
            --offline-every-ms 20000 --offline-for-ms 5000 --stale-will-rate 0.3`;
