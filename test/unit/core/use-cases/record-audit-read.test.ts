import { AuditReadNotRecordedError, LedgerContentionError } from '../../../../lambdas/core/errors';
import type { LedgerEntryDraft } from '../../../../lambdas/core/ledger';
import type { ChangeStore, StoreWrite } from '../../../../lambdas/core/ports';
import { recordAuditRead } from '../../../../lambdas/core/use-cases/record-audit-read';
import type { Services } from '../../../../lambdas/core/use-cases/services';
import { fakeServices } from '../../../fixtures/fakes';

const erin = { id: 'erin', name: 'Erin', email: 'erin@example.org', roles: ['auditor' as const], sourceIp: '203.0.113.7', userAgent: 'cmv-cli/1.0' };

/** Services whose store records each commit, or fails it with `failure`. */
function servicesWith(failure?: Error) {
  const commits: { writes: readonly StoreWrite[]; entry: LedgerEntryDraft }[] = [];
  const store = {
    commit: async (writes: readonly StoreWrite[], entry: LedgerEntryDraft) => {
      if (failure) throw failure;
      commits.push({ writes, entry });
      return entry;
    },
  } as unknown as ChangeStore;
  return { svc: { store } as unknown as Services, commits };
}

describe('recordAuditRead()', () => {
  it('appends an AuditQueried entry with the reader, their roles and origin, the endpoint and the query, and writes nothing else', async () => {
    // Arrange
    const { svc, commits } = servicesWith();

    // Act
    await recordAuditRead(svc, erin, 'GET /audit', { changeId: 'chg-1', limit: 100 });

    // Assert
    expect(commits).toEqual([
      {
        writes: [],
        entry: {
          type: 'AuditQueried',
          actor: 'erin',
          actorContext: { roles: ['auditor'], sourceIp: '203.0.113.7', userAgent: 'cmv-cli/1.0' },
          details: { endpoint: 'GET /audit', query: { changeId: 'chg-1', limit: 100 } },
        },
      },
    ]);
    expect(commits[0].entry).not.toHaveProperty('target');
  });

  it('refuses the read with a 503 when it cannot be recorded, so no read of the trail goes unrecorded', async () => {
    const { svc } = servicesWith(new Error('ProvisionedThroughputExceededException'));
    jest.spyOn(console, 'error').mockImplementation(() => undefined);

    const read = recordAuditRead(svc, erin, 'GET /audit/verify', {});

    await expect(read).rejects.toThrow(AuditReadNotRecordedError);
    await expect(read).rejects.toMatchObject({ statusCode: 503, message: expect.stringContaining('could not be recorded') });
  });

  it('lets ledger contention through as it is (503 with Retry-After)', async () => {
    const { svc } = servicesWith(new LedgerContentionError('busy'));

    await expect(recordAuditRead(svc, erin, 'GET /audit', {})).rejects.toThrow(LedgerContentionError);
  });

  it("chains each read on the audit-reads chain of its own, apart from the targets' chains", async () => {
    // Arrange
    const { svc, store } = fakeServices();
    await store.commit([], { type: 'TargetRegistered', target: 'benefit-calculator', actor: 'dana', details: {} });

    // Act
    await recordAuditRead(svc, erin, 'GET /audit', { limit: 100 });
    await recordAuditRead(svc, erin, 'GET /audit/verify', {});

    // Assert
    const [, first, second] = store.entries;
    expect([first, second]).toMatchObject([
      { type: 'AuditQueried', chain: 'audit-reads', seq: 1, details: { endpoint: 'GET /audit' } },
      { type: 'AuditQueried', chain: 'audit-reads', seq: 2, prevHash: first.hash, details: { endpoint: 'GET /audit/verify' } },
    ]);
    expect(store.entries[0]).toMatchObject({ chain: 'target:benefit-calculator', seq: 1 });
  });
});
