import { describe, expect, it } from '@jest/globals';
import { HONEST } from '../behaviour/behaviour.options.js';
import { HELP } from './help-text.js';
import { DEFAULT_REPLAY_RECONNECT_MS, parseArgs } from './parse-args.js';

const run = (...argv: string[]) => {
  const c = parseArgs(argv);
  if (c.kind !== 'run') throw new Error(`expected a run, got ${JSON.stringify(c)}`);
  return c;
};
const error = (...argv: string[]) => {
  const c = parseArgs(argv);
  return c.kind === 'error' ? c.message : `no error: ${c.kind}`;
};

describe('parseArgs', () => {
  it('defaults to an honest fleet on the local broker with a random seed', () => {
    const c = run();
    expect(c.fleet).toMatchObject({ url: 'mqtt://127.0.0.1:1883', behaviour: HONEST });
    expect(Number.isInteger(c.fleet.seed)).toBe(true);
    expect(c.quiet).toBe(false);
  });

  it('reads the example of the brief', () => {
    const c = run(
      ...['--url', 'mqtt://127.0.0.1:1884', '--devices', '10', '--prefix', 'pump'],
      ...[
        '--duplicate-rate',
        '0.2',
        '--delay-max-ms',
        '500',
        '--silent-rate',
        '0.1',
        '--seed',
        '42',
      ],
    );
    expect(c.fleet).toMatchObject({
      url: 'mqtt://127.0.0.1:1884',
      devices: 10,
      prefix: 'pump',
      seed: 42,
      behaviour: { ...HONEST, duplicateRate: 0.2, delayMaxMs: 500, silentRate: 0.1 },
    });
  });

  it('reads every other option', () => {
    const c = run(
      ...['--device-ids', 'a, b', '--devices-per-connection', '1', '--result-delay-ms', '20'],
      ...['--delay-rate', '0.5', '--result-before-ack-rate', '0.1', '--no-ack-rate', '0.2'],
      ...['--failure-rate', '0.3', '--spoof-rate', '0.4', '--replay-rate', '0.5'],
      ...['--replay-buffer', '7', '--reconnect-every-ms', '3000', '--execute-expired', '--quiet'],
      ...['--username', 'u', '--password', 'p', '--protocol', '4'],
      ...['--ca', 'ca.crt', '--cert', 'a.crt', '--key', 'a.key'],
      ...['--clean-session', '--session-expiry-seconds', '30', '--no-presence'],
      ...['--offline-every-ms', '9000', '--offline-for-ms', '1500'],
      ...[
        '--unclean-offline-rate',
        '0.25',
        '--stale-will-rate',
        '0.6',
        '--replayed-birth-rate',
        '0.7',
      ],
    );
    expect(c.quiet).toBe(true);
    expect(c.fleet).toMatchObject({
      deviceIds: ['a', 'b'],
      devicesPerConnection: 1,
      replayBufferSize: 7,
      reconnectEveryMs: 3000,
      username: 'u',
      password: 'p',
      tls: { caFile: 'ca.crt', certFile: 'a.crt', keyFile: 'a.key' },
      protocol: 4,
      cleanSession: true,
      sessionExpirySeconds: 30,
      presence: false,
      behaviour: {
        resultDelayMs: 20,
        delayRate: 0.5,
        resultBeforeAckRate: 0.1,
        noAckRate: 0.2,
        failureRate: 0.3,
        spoofRate: 0.4,
        replayRate: 0.5,
        refuseExpired: false,
        offlineEveryMs: 9000,
        offlineForMs: 1500,
        uncleanOfflineRate: 0.25,
        staleWillRate: 0.6,
        replayedBirthRate: 0.7,
      },
    });
  });

  it('leaves TLS off without --ca, --cert or --key', () => {
    expect(run('--url', 'mqtts://b:8883').fleet.tls).toBeUndefined();
  });

  it('reconnects periodically when replays are asked for without a reconnect period', () => {
    expect(run('--replay-rate', '0.1').fleet.reconnectEveryMs).toBe(DEFAULT_REPLAY_RECONNECT_MS);
    expect(run().fleet.reconnectEveryMs).toBeUndefined();
  });

  it('answers --help with a text naming every option', () => {
    expect(parseArgs(['--help'])).toEqual({ kind: 'help' });
    expect(parseArgs(['-h'])).toEqual({ kind: 'help' });
    const flags = [
      ...['url', 'username', 'password', 'protocol', 'devices', 'prefix', 'device-ids'],
      ...['devices-per-connection', 'seed', 'result-delay-ms', 'execute-expired'],
      ...['duplicate-rate', 'delay-max-ms', 'delay-rate', 'result-before-ack-rate'],
      ...['no-ack-rate', 'silent-rate', 'failure-rate', 'spoof-rate', 'replay-rate'],
      ...['replay-buffer', 'reconnect-every-ms', 'quiet', 'help'],
      ...['clean-session', 'session-expiry-seconds', 'no-presence'],
      ...['offline-every-ms', 'offline-for-ms', 'unclean-offline-rate'],
      ...['stale-will-rate', 'replayed-birth-rate', 'ca', 'cert', 'key'],
    ];
    for (const f of flags) expect(HELP).toContain(`--${f}`);
  });

  it.each([
    [['--silent-rate', '1.5'], '--silent-rate must be a number from 0 to 1, not "1.5"'],
    [['--silent-rate', ''], '--silent-rate must be a number from 0 to 1'],
    [['--devices', 'ten'], '--devices must be a whole number ≥ 0, not "ten"'],
    [['--devices', '0'], 'devices must be a whole number ≥ 1'],
    [['--devices-per-connection', '0'], 'devicesPerConnection must be a whole number ≥ 1'],
    [['--device-ids', 'ok,bad/id'], 'bad/id'],
    [['--protocol', '3'], '--protocol must be auto, 5 or 4'],
    [['--stale-will-rate', '2'], '--stale-will-rate must be a number from 0 to 1, not "2"'],
    [['--offline-for-ms', '1.5'], '--offline-for-ms must be a whole number ≥ 0, not "1.5"'],
    [['--frobnicate'], "Unknown option '--frobnicate'"],
    [['--seed'], "Option '--seed <value>' argument missing"],
  ])('refuses %j', (argv, message) => {
    expect(error(...argv)).toContain(message);
  });
});
