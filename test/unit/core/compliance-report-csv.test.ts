import { parse } from 'csv-parse/sync';
import { complianceReport } from '../../../lambdas/core/compliance-report';
import { CSV_COLUMNS, reportCsv } from '../../../lambdas/core/compliance-report-csv';
import type { LedgerEntry } from '../../../lambdas/core/ledger';

const entry = (seq: number, changeId: string, type: string, time: string, details: Record<string, unknown> = {}, actor = 'cmv-workflow'): LedgerEntry => ({
  chain: 'svc',
  seq,
  order: `${time}/svc/${seq}`,
  hash: `${'ab'.repeat(31)}${String(seq).padStart(2, '0')}`,
  prevHash: '',
  type,
  changeId,
  target: 'svc',
  actor,
  details,
  time,
});

/** A deployed change whose approver group is named like a formula, and a change still testing. */
const REPORT = complianceReport({
  scope: { from: '2026-03-01T00:00:00.000Z', to: '2026-04-01T00:00:00.000Z', targets: ['svc'] },
  asOf: '2026-04-01T00:00:00.000Z',
  changes: [
    {
      changeId: '=HYPERLINK("http://evil")',
      reviewRequired: false,
      entries: [
        entry(1, '=HYPERLINK("http://evil")', 'ChangeProposed', '2026-03-02T10:00:00.000Z', {
          changeType: 'standard',
          riskLevel: 'low',
          approvals: [{ name: '@CAB, "the board"', required: 1, eligible: ['bob'] }],
          tests: ['unit'],
        }),
        entry(2, '=HYPERLINK("http://evil")', 'TestsPassed', '2026-03-02T10:00:01.000Z', { suites: [{ suite: 'unit', passed: true }] }),
        entry(3, '=HYPERLINK("http://evil")', 'DeploymentStarted', '2026-03-02T10:00:03.000Z'),
        entry(4, '=HYPERLINK("http://evil")', 'ChangeDeployed', '2026-03-02T10:01:00.000Z'),
      ],
    },
  ],
});

describe('reportCsv()', () => {
  it('writes a header and rows that parse back (RFC 4180: quotes, commas, CRLF)', () => {
    // Act
    const rows = parse(reportCsv(REPORT), { columns: true, record_delimiter: '\r\n' }) as Record<string, string>[];

    // Assert
    expect(Object.keys(rows[0])).toEqual([...CSV_COLUMNS]);
    expect(rows.find((r) => r.record === 'figure' && r.figure === 'approval_compliance')).toMatchObject({ value: '0', unit: '%', count: '0', of: '1' });
    expect(rows.find((r) => r.record === 'exception' && r.figure === 'approval_compliance')?.note).toBe('quorum not reached: @CAB, "the board" 0 of 1');
    expect(rows.filter((r) => r.record === 'evidence' && r.figure === 'approval_compliance').map((r) => [r.entry_seq, r.entry_type])).toEqual([
      ['1', 'ChangeProposed'],
      ['4', 'ChangeDeployed'],
    ]);
    expect(rows.find((r) => r.record === 'evidence')?.entry_hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('leaves a value the report does not have empty, not "null"', () => {
    // Act
    const rows = parse(reportCsv(REPORT), { columns: true }) as Record<string, string>[];

    // Assert
    expect(rows.find((r) => r.figure === 'rollback_rate' && r.record === 'figure')).toMatchObject({ value: '0', of: '1' });
    expect(rows.find((r) => r.figure === 'time_to_restore' && r.breakdown === 'mean')?.value).toBe('');
  });

  it('defuses a cell a spreadsheet would run as a formula with a leading apostrophe', () => {
    // Act
    const rows = parse(reportCsv(REPORT), { columns: true }) as Record<string, string>[];

    // Assert
    const ids = new Set(rows.filter((r) => r.change_id).map((r) => r.change_id));
    expect([...ids]).toEqual([`'=HYPERLINK("http://evil")`]);
  });
});
