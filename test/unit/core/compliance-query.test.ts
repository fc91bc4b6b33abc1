import { ComplianceReportQuery, reportPeriod } from '../../../lambdas/core/compliance-query';
import { ValidationError } from '../../../lambdas/core/errors';

const NOW = new Date('2026-03-31T12:00:00.000Z');
const fields = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return err instanceof ValidationError ? err.errors : err;
  }
  return [];
};

describe('compliance-query', () => {
  describe('ComplianceReportQuery', () => {
    it('normalizes dates and date-times with offsets to the ledger form (UTC, milliseconds)', () => {
      // Act
      const q = ComplianceReportQuery.parse({ from: '2026-03-01', to: '2026-03-02T01:30:00+02:00' });

      // Assert
      expect(q).toEqual({ from: '2026-03-01T00:00:00.000Z', to: '2026-03-01T23:30:00.000Z', format: 'json' });
    });

    it.each([
      [{ from: 'yesterday' }, 'from'],
      [{ to: '2026-02-30' }, 'to'],
      [{ from: '2026-03-01T00:00:00' }, 'from'],
      [{ target: 'Not A Target' }, 'target'],
      [{ environment: '<script>' }, 'environment'],
      [{ format: 'pdf' }, 'format'],
      [{ limit: '10' }, ''],
    ])('rejects %j, naming %s', (query, field) => {
      // Act
      const result = ComplianceReportQuery.safeParse(query);

      // Assert
      expect(result.success).toBe(false);
      expect(result.error?.issues.map((i) => i.path.join('.'))).toEqual([field]);
    });
  });

  describe('reportPeriod()', () => {
    it('defaults to the 30 days before now', () => {
      expect(reportPeriod({}, NOW)).toEqual({ from: '2026-03-01T12:00:00.000Z', to: '2026-03-31T12:00:00.000Z' });
    });

    it('accepts an empty period and one of exactly 366 days', () => {
      expect(reportPeriod({ from: '2026-03-01T00:00:00.000Z', to: '2026-03-01T00:00:00.000Z' }, NOW).from).toBe('2026-03-01T00:00:00.000Z');
      expect(reportPeriod({ from: '2025-03-01T00:00:00.000Z', to: '2026-03-02T00:00:00.000Z' }, NOW).to).toBe('2026-03-02T00:00:00.000Z');
    });

    it('rejects to before from, naming to and why', () => {
      expect(fields(() => reportPeriod({ from: '2026-03-02T00:00:00.000Z', to: '2026-03-01T00:00:00.000Z' }, NOW))).toEqual([
        { path: 'to', message: 'must not be before from (2026-03-02T00:00:00.000Z)' },
      ]);
    });

    it('rejects a period over 366 days, naming from and why', () => {
      expect(fields(() => reportPeriod({ from: '2025-03-01T00:00:00.000Z', to: '2026-03-02T00:00:00.001Z' }, NOW))).toEqual([
        { path: 'from', message: 'must be at most 366 days before to (2026-03-02T00:00:00.001Z): a report covers one year at most' },
      ]);
    });
  });
});
