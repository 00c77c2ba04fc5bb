import { afterEach, describe, expect, it } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { enrichCommandContext, runWithCommand } from '@ratchet/ledger';
import { PinoLogger, type PinoLoggerOptions } from './pino-logger.js';

/** The adapter writing into an array: what pino printed, line by line. */
function capture(options: Partial<PinoLoggerOptions> = {}) {
  const chunks: string[] = [];
  const logger = new PinoLogger({
    level: 'log',
    format: 'json',
    instanceId: 'ledger-test-1',
    destination: { write: (s: string) => void chunks.push(s) },
    ...options,
  });
  const text = () => chunks.join('');
  const lines = () => {
    const all = text();
    expect(all.endsWith('\n')).toBe(true);
    return all
      .slice(0, -1)
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  };
  return { logger, lines, text };
}

const COMMAND = '0b8a3f62-4a39-4a7e-9a55-2f1d7c1e0a11';
const CORRELATION = 'req-7f3e';

describe('PinoLogger', () => {
  afterEach(() => Logger.overrideLogger(false));

  it('writes one JSON object per line with level, time, msg, context and the instance id', () => {
    const { logger, lines } = capture();
    logger.log('event store: PGlite', 'Ledger');
    logger.warn('a warning', 'MqttGateway');
    const [first, second] = lines();
    expect(first).toEqual({
      level: 'info',
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      pid: process.pid,
      instanceId: 'ledger-test-1',
      context: 'Ledger',
      msg: 'event store: PGlite',
    });
    expect(second).toMatchObject({ level: 'warn', context: 'MqttGateway', msg: 'a warning' });
  });

  it("is Nest's logger: a Logger's context, and an error's stack, become fields", () => {
    const { logger, lines } = capture();
    Logger.overrideLogger(logger);
    new Logger('IssueCommand').log('command=x issued');
    const failure = new Error('boom');
    new Logger('HTTP').error(failure.stack);
    new Logger('Retry').error('retry refused', 'the stack\n    at f (file.js:1:2)');
    new Logger('Ratchet').log('with fields', { attempt: 2 });
    const [issued, error, withStack, fields] = lines();
    expect(issued).toMatchObject({
      level: 'info',
      context: 'IssueCommand',
      msg: 'command=x issued',
    });
    expect(error).toMatchObject({ level: 'error', context: 'HTTP', msg: failure.stack });
    expect(withStack).toMatchObject({
      level: 'error',
      context: 'Retry',
      msg: 'retry refused',
      stack: 'the stack\n    at f (file.js:1:2)',
    });
    expect(fields).toMatchObject({ context: 'Ratchet', msg: 'with fields', attempt: 2 });
  });

  it('prints only the configured level and the more severe ones', () => {
    const { logger, lines } = capture({ level: 'warn' });
    logger.verbose('v', 'C');
    logger.debug('d', 'C');
    logger.log('l', 'C');
    logger.warn('w', 'C');
    logger.error('e', undefined, 'C');
    logger.fatal('f', 'C');
    expect(lines().map((l) => [l.level, l.msg])).toEqual([
      ['warn', 'w'],
      ['error', 'e'],
      ['fatal', 'f'],
    ]);

    const all = capture({ level: 'verbose' });
    all.logger.verbose('v', 'C');
    all.logger.debug('d', 'C');
    expect(all.lines().map((l) => l.level)).toEqual(['trace', 'debug']);

    const set = capture({ level: 'verbose' });
    set.logger.setLogLevels(['error', 'warn']);
    set.logger.log('hidden', 'C');
    set.logger.warn('shown', 'C');
    expect(set.lines().map((l) => l.msg)).toEqual(['shown']);
  });

  it('adds the command fields of the log context to every line inside it, and none outside', async () => {
    const { logger, lines } = capture();
    logger.log('before', 'T');
    await runWithCommand({ commandId: COMMAND, deviceId: 'pump-1' }, async () => {
      logger.log('inside', 'T');
      enrichCommandContext({ correlationId: CORRELATION });
      // Work started inside (a timer, a background promise) stays in the context.
      await new Promise<void>((r) =>
        setTimeout(() => {
          logger.log('in a timer', 'T');
          r();
        }, 1),
      );
      // Another command (a retry) does not inherit this one's fields.
      runWithCommand({ commandId: 'other' }, () => logger.log('other command', 'T'));
      // The same command keeps what is known of it.
      runWithCommand({ commandId: COMMAND }, () => logger.log('nested, same command', 'T'));
    });
    logger.log('after', 'T');
    enrichCommandContext({ correlationId: 'ignored outside any context' });
    logger.log('still outside', 'T');

    const byMsg = Object.fromEntries(lines().map((l) => [l.msg, l]));
    const ids = (msg: string) => {
      const { commandId, deviceId, correlationId } = byMsg[msg]!;
      return { commandId, deviceId, correlationId };
    };
    const none = { commandId: undefined, deviceId: undefined, correlationId: undefined };
    expect(ids('before')).toEqual(none);
    expect(ids('inside')).toEqual({
      commandId: COMMAND,
      deviceId: 'pump-1',
      correlationId: undefined,
    });
    const full = { commandId: COMMAND, deviceId: 'pump-1', correlationId: CORRELATION };
    expect(ids('in a timer')).toEqual(full);
    expect(ids('nested, same command')).toEqual(full);
    expect(ids('other command')).toEqual({ ...none, commandId: 'other' });
    expect(ids('after')).toEqual(none);
    expect(ids('still outside')).toEqual(none);
    expect(Object.keys(byMsg.after!)).not.toContain('commandId');
  });

  it('LOG_FORMAT=text prints the same fields for a human', () => {
    const { logger, text } = capture({ format: 'text' });
    runWithCommand({ commandId: COMMAND, correlationId: CORRELATION }, () =>
      logger.log(`command=${COMMAND} issued`, 'IssueCommand'),
    );
    logger.error('it failed', 'Error: x\n    at f (file.js:1:2)', 'HTTP');
    const [line, error, stack] = text().split('\n');
    expect(line).toMatch(
      new RegExp(
        `^\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z  INFO \\[IssueCommand\\] command=${COMMAND} issued  ` +
          `commandId=${COMMAND} correlationId=${CORRELATION}$`,
      ),
    );
    expect(line).not.toContain('{');
    expect(error).toMatch(/ ERROR \[HTTP\] it failed$/);
    expect(stack).toBe('Error: x');
  });
});
