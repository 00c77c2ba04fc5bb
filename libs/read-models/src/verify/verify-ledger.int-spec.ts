import { expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { requestedData } from '../../test/command-writer.js';
import type { SqlStatement } from '@ratchet/event-store';
import { sqlLogReader } from '../rebuild/sql-log-reader.js';
import { writeBrokenStreams, writeHealthyMix } from '../../test/ledger-scenarios.js';
import { describeOnBothDatabases } from '../../test/read-model-fixture.js';
import type { LedgerViolationKind } from './stream-tally.js';
import { isClean, type VerifyReport, verifyLedger } from './verify-ledger.js';

const sql = (name: string, text: string): SqlStatement => ({ name, text });

/** The same report whichever way the log is read. */
const withoutTiming = ({ ms: _ms, logPath: _path, ...rest }: VerifyReport) => rest;

describeOnBothDatabases('verify', (fixture) => {
  const verify = async () => {
    const { driver, eventStore } = fixture();
    const viaPort = await verifyLedger({ driver, eventStore, batchSize: 7 });
    const viaSql = await verifyLedger({
      driver,
      eventStore,
      log: sqlLogReader(driver, eventStore),
      batchSize: 5,
    });
    expect(viaPort.logPath).toBe('port');
    expect(viaSql.logPath).toBe('sql');
    expect(withoutTiming(viaSql)).toEqual(withoutTiming(viaPort));
    return viaPort;
  };

  it('finds nothing wrong in a healthy ledger whose read model is caught up', async () => {
    await writeHealthyMix(fixture().eventStore, 'healthy-1');
    await writeHealthyMix(fixture().eventStore, 'healthy-2', 100);
    const store = await fixture().open();
    await store.catchUp();
    const report = await verify();
    expect(report).toMatchObject({ events: 36, commands: 14, violations: [], mismatches: [] });
    expect(report.readModel).toMatchObject({ rows: 14, compared: 14 });
    expect(isClean(report)).toBe(true);
  });

  it('compares only what the checkpoint has reached: a lagging read model is not a finding', async () => {
    await writeHealthyMix(fixture().eventStore, 'healthy-3', 200);
    const report = await verify();
    expect(report).toMatchObject({ commands: 21, violations: [], mismatches: [] });
    expect(report.readModel).toMatchObject({ rows: 14, compared: 14 });
    await (await fixture().open()).catchUp();
  });

  it('names every kind of broken stream, with its command and revision', async () => {
    const { eventStore, driver } = fixture();
    const broken = await writeBrokenStreams(eventStore, driver, 'broken-1');
    await (await fixture().open()).catchUp();
    const report = await verify();
    const found = (kind: LedgerViolationKind) =>
      report.violations.filter((v) => v.kind === kind).map((v) => [v.commandId, v.revision]);
    expect(found('unknown_event_type')).toEqual([[broken.unknown_event_type, 1n]]);
    expect(found('first_event_not_requested')).toEqual([[broken.first_event_not_requested, 0n]]);
    expect(found('revision_gap')).toEqual([[broken.revision_gap, 2n]]);
    expect(found('illegal_transition')).toEqual(
      expect.arrayContaining([
        [broken.first_event_not_requested, 0n],
        [broken.illegal_transition, 2n],
        [broken.second_terminal, 2n],
        [broken.second_late_observation, 4n],
      ]),
    );
    expect(found('second_terminal')).toEqual([[broken.second_terminal, 2n]]);
    expect(found('second_late_observation')).toEqual([[broken.second_late_observation, 4n]]);
    expect(found('bad_retry_link')).toEqual([[broken.bad_retry_link, 0n]]);
    expect(found('retry_target_missing')).toEqual([[broken.retry_target_missing, 0n]]);
    expect(found('retry_not_owed')).toEqual([[broken.retry_not_owed, 0n]]);
    const brokenIds = new Set(Object.values(broken));
    expect(report.violations.filter((v) => !brokenIds.has(v.commandId))).toEqual([]);
    expect(report.violationCounts).toMatchObject({ illegal_transition: 4, revision_gap: 1 });
    // The projection skipped what it could not fold, exactly as verify's own fold does.
    expect(report.mismatches).toEqual([]);
    expect(isClean(report)).toBe(false);
  });

  it('finds a missing row, an extra row and a row that differs from the fold', async () => {
    const { driver, eventStore } = fixture();
    const [executed, failed, retry] = await writeHealthyMix(eventStore, 'drift-1', 300);
    // One command whose CommandRequested names its issuer: the row's issued_by must match it.
    const signed = randomUUID();
    await eventStore.append(
      `command-${signed}`,
      [
        {
          id: randomUUID(),
          type: 'CommandRequested',
          data: { ...requestedData(signed, 'drift-1', 310) },
          metadata: { correlationId: signed, causationId: null, issuedBy: 'ops' },
        },
      ],
      'no_stream',
    );
    await (await fixture().open()).catchUp();
    await driver.query(
      sql(
        'test_bend_issuer',
        `UPDATE command_status SET issued_by = 'mallory' WHERE command_id = $1`,
      ),
      [retry],
    );
    await driver.query(sql('test_drop_row', 'DELETE FROM command_status WHERE command_id = $1'), [
      executed,
    ]);
    await driver.query(
      sql('test_bend_row', `UPDATE command_status SET status = 'executed' WHERE command_id = $1`),
      [failed],
    );
    await driver.query(
      sql(
        'test_extra_row',
        `INSERT INTO command_status (command_id, device_id, name, status, revision, attempt,
           requested_at, payload, state)
         SELECT 'no-such-command', device_id, name, status, revision, attempt, requested_at,
                payload, state FROM command_status WHERE command_id = $1`,
      ),
      [failed],
    );
    const report = await verify();
    expect(report.mismatches.filter((m) => m.kind === 'issuer_differs')).toEqual([
      expect.objectContaining({ commandId: retry, issuer: { expected: null, found: 'mallory' } }),
    ]);
    expect(report.mismatches.filter((m) => m.kind !== 'issuer_differs')).toEqual(
      [
        {
          kind: 'row_differs',
          commandId: failed,
          expected: { status: 'failed', revision: 1n },
          found: { status: 'executed', revision: 1n },
        },
        {
          kind: 'missing_row',
          commandId: executed,
          expected: { status: 'executed', revision: 3n },
          found: null,
        },
        {
          kind: 'extra_row',
          commandId: 'no-such-command',
          expected: null,
          found: { status: 'executed', revision: 1n },
        },
      ].sort((a, b) => (a.commandId < b.commandId ? -1 : 1)),
    );
    expect(report.mismatchCounts).toEqual({
      row_differs: 1,
      missing_row: 1,
      extra_row: 1,
      issuer_differs: 1,
    });
  });

  it('keeps the counts whole when it cuts the lists', async () => {
    const { driver, eventStore } = fixture();
    const report = await verifyLedger({ driver, eventStore, maxFindings: 2 });
    expect(report.violations).toHaveLength(2);
    expect(report.truncated).toBe(true);
    expect(Object.values(report.violationCounts).reduce((a, b) => a + b, 0)).toBeGreaterThan(2);
  });
});
