import { describe, expect, it } from '@jest/globals';
import { MAX_RESULT_ERROR_LENGTH, type ReceivedIntent } from '@ratchet/mqtt';
import { executedResult, expiredError, failedResult, unknownCommandError } from './results.js';

const intent: ReceivedIntent = {
  commandId: '0b7f6a2e-4c1d-4e8a-9f3b-2d5c6e7f8a9b',
  name: 'set-speed',
  payload: {},
  attempt: 1,
  issuedAt: '2026-01-01T00:00:00.000Z',
  expiresAt: '2026-01-01T00:05:00.000Z',
  expiresAtMs: Date.parse('2026-01-01T00:05:00.000Z'),
};

describe('executedResult', () => {
  it('carries the output, and none when the handler returned nothing', () => {
    expect(executedResult({ rpm: 1200 })).toEqual({ status: 'executed', output: { rpm: 1200 } });
    expect(executedResult(undefined)).toEqual({ status: 'executed' });
    expect(executedResult(null)).toEqual({ status: 'executed', output: null });
  });

  it('turns an output the ledger would refuse into a failure that says why', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    expect(executedResult(cyclic)).toEqual({
      status: 'failed',
      error: expect.stringMatching(/^the handler's output cannot be sent: it is not JSON/),
    });
    expect(executedResult({ n: 1n }).status).toBe('failed');
    expect(executedResult({ blob: 'x'.repeat(70 * 1024) })).toEqual({
      status: 'failed',
      error: expect.stringMatching(/cannot be sent: payload is \d+ bytes, the limit is \d+/),
    });
    expect(executedResult({ text: 'a\u0000b' })).toEqual({
      status: 'failed',
      error: expect.stringContaining('U+0000'),
    });
  });
});

describe('failedResult', () => {
  it('takes the message of an Error, a text, or anything else', () => {
    expect(failedResult(new Error('jammed'))).toEqual({ status: 'failed', error: 'jammed' });
    expect(failedResult(new RangeError(''))).toEqual({ status: 'failed', error: 'RangeError' });
    expect(failedResult('stalled')).toEqual({ status: 'failed', error: 'stalled' });
    expect(failedResult(42)).toEqual({ status: 'failed', error: '42' });
    expect(failedResult('')).toEqual({
      status: 'failed',
      error: 'the handler failed without a message',
    });
  });

  it('cuts a long message to what the ledger keeps', () => {
    const r = failedResult('e'.repeat(5000));
    expect(r.error).toHaveLength(MAX_RESULT_ERROR_LENGTH);
    expect(r.error!.endsWith('…')).toBe(true);
  });

  it('replaces a message the ledger would refuse', () => {
    expect(failedResult('bad \ud800 text').error).toMatch(/a message that cannot be sent/);
  });
});

describe('the errors of commands not executed', () => {
  it('says when an intent expired before it arrived, and by how much', () => {
    const late = intent.expiresAtMs + 1500;
    expect(expiredError(intent, late, late)).toBe(
      'not executed: the command expired at 2026-01-01T00:05:00.000Z, before it arrived ' +
        '(at 2026-01-01T00:05:01.500Z, 1500 ms late)',
    );
  });

  it('says when it expired while it waited on the device', () => {
    expect(expiredError(intent, intent.expiresAtMs - 10, intent.expiresAtMs + 10)).toMatch(
      /while it waited its turn on the device/,
    );
  });

  it('names the command and what the device handles instead', () => {
    expect(unknownCommandError('reboot', 'pump-17', ['set-speed', 'stop'])).toBe(
      'not executed: device pump-17 has no handler for command "reboot" (it handles "set-speed", "stop")',
    );
    expect(unknownCommandError('reboot', 'pump-17', [])).toMatch(/it has no handlers/);
  });
});
