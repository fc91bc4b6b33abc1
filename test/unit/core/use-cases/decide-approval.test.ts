import type { Change } from '../../../../lambdas/core/change';
import { ConflictError, ForbiddenError } from '../../../../lambdas/core/errors';
import { decideApproval } from '../../../../lambdas/core/use-cases/decide-approval';
import { fakeServices, MemoryChangeStore } from '../../../fixtures/fakes';
import { aChange, caller } from '../../../fixtures/records';

const bob = caller('bob', 'approver');
const APPROVE = { decision: 'approve' as const, comment: 'looks right' };

/** chg-1 by alice awaiting one peer approval (bob is the eligible approver), its approval token outstanding. */
async function arrange(over: Partial<Change> = {}) {
  const store = new MemoryChangeStore().seed({ changes: [aChange(over)] });
  await store.putTaskToken('chg-1', 'tok-approval', 'approval');
  return fakeServices({ fakes: { store } });
}

describe('decideApproval()', () => {
  it('records the deciding approval with a ChangeApproved entry and resumes the workflow', async () => {
    // Arrange
    const { svc, store, workflow, clock } = await arrange();

    // Act
    await decideApproval(svc, bob, 'chg-1', APPROVE);

    // Assert
    expect(store.changes.get('chg-1')).toMatchObject({
      status: 'awaiting_approval',
      approvedAt: clock.now().toISOString(),
      approvals: [{ approver: 'bob', decision: 'approve', comment: 'looks right' }],
    });
    expect(store.entries).toMatchObject([{ type: 'ChangeApproved', actor: 'bob', details: { decision: 'approve', approverGroups: ['Peer review'] } }]);
    expect(workflow.resumed).toEqual([{ taskToken: 'tok-approval', output: { approved: true, approvers: ['bob'] } }]);
    expect(store.taskTokens.has('chg-1')).toBe(false);
  });

  it('records a rejection with ChangeRejected and fails the approval wait with it', async () => {
    const { svc, store, workflow } = await arrange();

    await decideApproval(svc, bob, 'chg-1', { decision: 'reject', comment: 'no rollback plan' });

    expect(store.changes.get('chg-1')).toMatchObject({ status: 'rejected', reason: 'rejected by bob: no rollback plan' });
    expect(store.entries).toMatchObject([{ type: 'ChangeRejected', actor: 'bob' }]);
    expect(workflow.failed).toEqual([{ taskToken: 'tok-approval', error: 'ChangeRejected', cause: 'rejected by bob: no rollback plan' }]);
  });

  it('spends a single-use link in the vote’s own transaction', async () => {
    const { svc, store } = await arrange();

    await decideApproval(svc, bob, 'chg-1', APPROVE, { hash: 'link-hash', expiresAtEpochS: 1_772_500_000 });

    expect(store.usedLinks.get('link-hash')).toBe(1_772_500_000);
    expect(store.entries).toHaveLength(1);
  });

  it.each([
    ['the requester', caller('alice', 'approver'), ForbiddenError, /requester cannot approve their own change/],
    ['a caller eligible in no group', caller('carol', 'auditor'), ForbiddenError, /needs one of the roles: approver/],
  ])('refuses %s with a 403, recording nothing', async (_who, who, error, message) => {
    const { svc, store, workflow } = await arrange();

    const vote = decideApproval(svc, who, 'chg-1', APPROVE);

    await expect(vote).rejects.toThrow(error);
    await expect(vote).rejects.toThrow(message);
    expect(store.entries).toEqual([]);
    expect(workflow.resumed).toEqual([]);
  });

  it('refuses a second vote by the same approver with a 409 (a retried request records nothing)', async () => {
    const { svc, store } = await arrange();
    await decideApproval(svc, bob, 'chg-1', APPROVE);

    await expect(decideApproval(svc, bob, 'chg-1', APPROVE)).rejects.toThrow(new ConflictError('bob has already voted on change chg-1'));
    expect(store.entries).toHaveLength(1);
  });

  it('refuses with a 409 when the approval wait ended between the read and the write (the change expired meanwhile)', async () => {
    // Arrange
    const { svc, store, workflow } = await arrange();
    const current = store.changes.get('chg-1') as Change;
    store.interleave(() => store.seed({ changes: [{ ...current, status: 'expired', revision: current.revision + 1 }] }));

    // Act
    const vote = decideApproval(svc, bob, 'chg-1', APPROVE);

    // Assert
    await expect(vote).rejects.toThrow(/is not awaiting approval \(it is expired\)/);
    expect(store.entries).toEqual([]);
    expect(workflow.resumed).toEqual([]);
  });
});
