import { ValidationError } from '../../../lambdas/core/errors';
import type { LedgerEntry } from '../../../lambdas/core/ledger';
import type { AuditQuery, Page } from '../../../lambdas/core/ports';
import { reportCompliance } from '../../../lambdas/core/use-cases/report-compliance';
import type { Services } from '../../../lambdas/core/use-cases/services';

/**
 * reportCompliance() over in-memory ports that answer as the DynamoDB adapters do: the ledger
 * query filters by changeId/target/type and an inclusive time range, newest first, `limit` entries
 * a page with a token for the next; the store lists targets and reads change records.
 */
function services(entries: LedgerEntry[]) {
  const queries: AuditQuery[] = [];
  const ledger = {
    query: async (q: AuditQuery): Promise<Page<LedgerEntry>> => {
      queries.push(q);
      const matching = entries
        .filter(
          (e) =>
            (!q.changeId || e.changeId === q.changeId) &&
            (!q.target || e.target === q.target) &&
            (!q.type || e.type === q.type) &&
            (!q.from || e.time >= q.from) &&
            (!q.to || e.time <= q.to),
        )
        .sort((a, b) => b.seq - a.seq);
      const start = q.nextToken ? Number(q.nextToken) : 0;
      const next = start + q.limit;
      return { items: matching.slice(start, next), ...(next < matching.length ? { nextToken: String(next) } : {}) };
    },
  };
  const store = {
    listTargets: async () => [
      { name: 'billing', environment: 'production' },
      { name: 'payroll', environment: 'staging' },
    ],
    getChange: async (changeId: string) => ({ changeId, plan: { postImplementationReview: changeId.startsWith('e') } }),
  };
  const svc = { ledger, store, now: () => new Date('2026-04-01T00:00:00.000Z') } as unknown as Services;
  return { svc, queries };
}

let seq = 0;
const entry = (changeId: string, target: string, type: string, time: string, details: Record<string, unknown> = {}): LedgerEntry => {
  seq += 1;
  return { chain: target, seq, order: `${time}/${target}/${seq}`, hash: `h${seq}`, prevHash: '', type, changeId, target, actor: 'alice', time, details };
};
const proposal = (changeId: string, target: string, time: string, changeType = 'standard') =>
  entry(changeId, target, 'ChangeProposed', time, { changeType, riskLevel: 'low', approvals: [], tests: [] });

const MARCH = { from: '2026-03-01T00:00:00.000Z', to: '2026-04-01T00:00:00.000Z' };

describe('reportCompliance()', () => {
  beforeEach(() => {
    seq = 0;
  });

  it('reads the changes proposed in [from, to) of the targets the filters match, and each change’s entries', async () => {
    // Arrange: b1 at `to` exactly is outside the period; p1 is payroll's (staging)
    const entries = [
      proposal('b0', 'billing', '2026-03-02T00:00:00.000Z'),
      entry('b0', 'billing', 'DeploymentStarted', '2026-04-03T00:00:00.000Z'),
      entry('b0', 'billing', 'ChangeDeployed', '2026-04-03T00:10:00.000Z'),
      proposal('b1', 'billing', '2026-04-01T00:00:00.000Z'),
      proposal('p1', 'payroll', '2026-03-03T00:00:00.000Z'),
    ];
    const { svc } = services(entries);

    // Act
    const report = await reportCompliance(svc, { ...MARCH, environment: 'production' });

    // Assert
    expect(report.scope).toEqual({ ...MARCH, environment: 'production', targets: ['billing'] });
    expect(report.changes.total).toBe(1);
    expect(report.changeSuccessRate).toMatchObject({ count: 1, of: 1 });
    expect(report.asOf).toBe('2026-04-01T00:00:00.000Z');
  });

  it('reads every page of the ledger, and the review requirement from each change record', async () => {
    // Arrange: 1,203 emergency changes (more than two pages of 500)
    const entries = Array.from({ length: 1203 }, (_, i) =>
      proposal(`e${i}`, 'billing', `2026-03-05T00:00:${String(i % 60).padStart(2, '0')}.000Z`, 'emergency'),
    );
    entries.push(entry('e7', 'billing', 'ChangeFailed', '2026-03-06T00:00:00.000Z'));
    const { svc, queries } = services(entries);

    // Act
    const report = await reportCompliance(svc, MARCH);

    // Assert
    expect(report.changes.total).toBe(1203);
    expect(queries.filter((q) => q.type === 'ChangeProposed').map((q) => q.nextToken)).toEqual([undefined, '500', '1000']);
    expect(report.emergencyMissingReview).toMatchObject({ count: 1, of: 1, changeIds: ['e7'] });
  });

  it('gives an empty report, naming no target, when no registered target matches the filters', async () => {
    // Arrange
    const { svc, queries } = services([proposal('b0', 'billing', '2026-03-02T00:00:00.000Z')]);

    // Act
    const report = await reportCompliance(svc, { ...MARCH, target: 'no-such-target' });

    // Assert
    expect(report.scope.targets).toEqual([]);
    expect(report.changes.total).toBe(0);
    expect(queries).toEqual([]);
  });

  it('rejects a period holding more changes than it reads, naming from, before reading any change', async () => {
    // Arrange
    const { svc, queries } = services([0, 1, 2].map((i) => proposal(`c${i}`, 'billing', `2026-03-0${i + 1}T00:00:00.000Z`)));

    // Act
    const report = reportCompliance(svc, MARCH, 2);

    // Assert
    await expect(report).rejects.toThrow(ValidationError);
    await expect(report).rejects.toMatchObject({ errors: [{ path: 'from', message: expect.stringContaining('3 changes, more than the 2') }] });
    expect(queries.some((q) => q.changeId)).toBe(false);
  });
});
