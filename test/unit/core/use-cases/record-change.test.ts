import type { Change } from '../../../../lambdas/core/change';
import { ConflictError, LedgerContentionError, NotFoundError } from '../../../../lambdas/core/errors';
import { WriteConflictError } from '../../../../lambdas/core/ports';
import { loadChange, recordChange } from '../../../../lambdas/core/use-cases/record-change';
import { fakeServices, MemoryChangeStore } from '../../../fixtures/fakes';
import { aChange, aTarget, caller, TARGET } from '../../../fixtures/records';

const bob = caller('bob', 'approver', 'cab');
const VOTE = { approver: 'bob', roles: ['cab' as const], decision: 'approve' as const, comment: '', at: '2026-03-02T10:00:00.000Z' };

/** chg-1 awaiting approval at revision 3. */
function arrange(over: Partial<Change> = {}) {
  return fakeServices({ fakes: { store: new MemoryChangeStore().seed({ changes: [aChange(over)], targets: [aTarget()] }) } });
}

/** Another writer's commit of chg-1: the stored change, one revision on, with `patch`. */
const concurrently = (store: MemoryChangeStore, patch: Partial<Change>) => () => {
  const c = store.changes.get('chg-1') as Change;
  store.seed({ changes: [{ ...c, ...patch, revision: c.revision + 1 }] });
};

describe('loadChange()', () => {
  it('loads the change, or throws NotFound (404) naming it', async () => {
    const { svc } = arrange();

    expect((await loadChange(svc, 'chg-1')).changeId).toBe('chg-1');
    await expect(loadChange(svc, 'chg-9')).rejects.toThrow(NotFoundError);
    await expect(loadChange(svc, 'chg-9')).rejects.toThrow('change chg-9 does not exist');
  });
});

describe('recordChange()', () => {
  it('commits the change at its next revision with the status the event leads to, the other writes and one ledger entry', async () => {
    // Arrange
    const { svc, store, clock } = arrange();
    const target = aTarget({ deployingChangeId: 'chg-1' });

    // Act
    const after = await recordChange(svc, 'chg-1', bob, () => ({
      event: 'DeploymentStarted',
      patch: { title: 'renamed' },
      details: { a: 1 },
      detailsOf: (next) => ({ status: next.status, revision: next.revision }),
      writes: [{ kind: 'target', record: target, expectedRevision: 1 }],
    }));

    // Assert
    const expected = { status: 'deploying', revision: 4, title: 'renamed', updatedAt: clock.now().toISOString() };
    expect(after).toMatchObject(expected);
    expect(store.changes.get('chg-1')).toEqual(after);
    expect(store.targets.get(TARGET)).toMatchObject({ deployingChangeId: 'chg-1', revision: 2 });
    expect(store.entries).toMatchObject([
      {
        type: 'DeploymentStarted',
        changeId: 'chg-1',
        target: TARGET,
        actor: 'bob',
        actorContext: { roles: ['approver', 'cab'], sourceIp: '203.0.113.7' },
        details: { a: 1, status: 'deploying', revision: 4 },
      },
    ]);
  });

  it('records nothing and returns the change as stored when decide finds nothing to do (a retried step)', async () => {
    const { svc, store } = arrange();

    const after = await recordChange(svc, 'chg-1', 'cmv-workflow', () => undefined);

    expect(after).toEqual(store.changes.get('chg-1'));
    expect(after.revision).toBe(3);
    expect(store.entries).toEqual([]);
  });

  it('re-reads and decides again on the fresh change when a concurrent writer committed between the read and the write', async () => {
    // Arrange: carol's vote commits just before bob's.
    const { svc, store } = arrange();
    store.interleave(concurrently(store, { approvals: [{ ...VOTE, approver: 'carol' }] }));
    const seen: string[][] = [];

    // Act
    const after = await recordChange(svc, 'chg-1', bob, (c) => {
      seen.push(c.approvals.map((v) => v.approver));
      return { event: 'ApprovalRecorded', patch: { approvals: [...c.approvals, VOTE] } };
    });

    // Assert: carol's vote is kept, bob's is added on top of it.
    expect(seen).toEqual([[], ['carol']]);
    expect(after).toMatchObject({ revision: 5, approvals: [{ approver: 'carol' }, { approver: 'bob' }] });
    expect(store.entries.map((e) => [e.type, e.actor])).toEqual([['ApprovalRecorded', 'bob']]);
  });

  it('records nothing when the concurrent writer already did what decide wanted', async () => {
    const { svc, store } = arrange();
    store.interleave(concurrently(store, { approvals: [VOTE] }));

    const after = await recordChange(svc, 'chg-1', bob, (c) =>
      c.approvals.some((v) => v.approver === 'bob') ? undefined : { event: 'ApprovalRecorded', patch: { approvals: [...c.approvals, VOTE] } },
    );

    expect(after).toMatchObject({ revision: 4, approvals: [VOTE] });
    expect(store.entries).toEqual([]);
  });

  it('gives up with the WriteConflictError after 5 attempts that all lost to a concurrent writer', async () => {
    // Arrange: before each of the 5 commits, another writer moves the change on.
    const { svc, store } = arrange();
    for (let i = 0; i < 5; i++) store.interleave(concurrently(store, {}));
    const decide = jest.fn(() => ({ event: 'ApprovalRecorded' as const }));

    // Act
    const recorded = recordChange(svc, 'chg-1', bob, decide);

    // Assert
    await expect(recorded).rejects.toThrow(WriteConflictError);
    expect(decide).toHaveBeenCalledTimes(5);
    expect(store.entries).toEqual([]);
    expect(store.changes.get('chg-1')?.revision).toBe(8);
  });

  it('rejects with a 409 an event the change’s status does not allow, writing nothing', async () => {
    const { svc, store } = arrange({ status: 'deployed' });

    const recorded = recordChange(svc, 'chg-1', bob, () => ({ event: 'ApprovalRecorded' }));

    await expect(recorded).rejects.toThrow(ConflictError);
    await expect(recorded).rejects.toThrow('cannot record ApprovalRecorded for a change that is deployed');
    expect(store.entries).toEqual([]);
  });

  it('writes nothing, the change included, when another write of its transaction conflicts (tried 5 times, then given up)', async () => {
    // Arrange: the target write expects revision 1 but the target is at 2; nobody moves it back.
    const { svc, store } = arrange();
    store.seed({ targets: [aTarget({ revision: 2 })] });
    let calls = 0;
    const decide = jest.fn(() => {
      // A bound of its own, so that a retry without end fails this test instead of hanging it.
      if (++calls > 6) throw new Error('retried without end');
      return { event: 'ApprovalRecorded' as const, writes: [{ kind: 'target' as const, record: aTarget(), expectedRevision: 1 }] };
    });

    // Act
    const recorded = recordChange(svc, 'chg-1', bob, decide);

    // Assert
    await expect(recorded).rejects.toMatchObject({ name: 'WriteConflictError', index: 1 });
    expect(decide).toHaveBeenCalledTimes(5);
    expect(store.changes.get('chg-1')?.revision).toBe(3);
    expect(store.entries).toEqual([]);
  });

  it('does not retry any other failure of the write', async () => {
    const { svc, store } = arrange();
    jest.spyOn(store, 'commit').mockRejectedValueOnce(new LedgerContentionError('the ledger is busy'));
    const decide = jest.fn(() => ({ event: 'ApprovalRecorded' as const }));

    await expect(recordChange(svc, 'chg-1', bob, decide)).rejects.toThrow(LedgerContentionError);
    expect(decide).toHaveBeenCalledTimes(1);
  });

  it('throws NotFound (404) for a change that does not exist, calling decide never', async () => {
    const { svc } = arrange();
    const decide = jest.fn(() => undefined);

    await expect(recordChange(svc, 'chg-9', bob, decide)).rejects.toThrow(NotFoundError);
    expect(decide).not.toHaveBeenCalled();
  });
});
