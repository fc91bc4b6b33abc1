import type { Change } from '../../../../lambdas/core/change';
import { SpentTaskTokenError } from '../../../../lambdas/core/errors';
import { deliverDecision, isSpentToken } from '../../../../lambdas/core/use-cases/deliver-decision';
import { fakeServices, MemoryChangeStore } from '../../../fixtures/fakes';
import { aChange } from '../../../fixtures/records';

const VOTE = { roles: ['cab' as const], decision: 'approve' as const, comment: '', at: '2026-03-02T09:00:00.000Z' };

/** chg-1 recorded as `over` says, its approval wait's token `tok-1` outstanding. */
async function arrange(over: Partial<Change> = {}) {
  const change = aChange(over);
  const store = new MemoryChangeStore().seed({ changes: [change] });
  await store.putTaskToken('chg-1', 'tok-1', 'approval');
  return { ...fakeServices({ fakes: { store } }), change };
}

/** A Step Functions error that does not spend the token (throttled). */
const throttled = () => Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });

describe('isSpentToken()', () => {
  it('is true for a token whose wait already ended, false for any other error', () => {
    expect(isSpentToken(new SpentTaskTokenError('Task Timed Out'))).toBe(true);
    expect(isSpentToken(throttled())).toBe(false);
    expect(isSpentToken('TaskTimedOut')).toBe(false);
  });
});

describe('deliverDecision()', () => {
  it('resumes the wait with the approvers when the change reached quorum, and spends the token', async () => {
    // Arrange
    const { svc, store, workflow, change } = await arrange({
      approvedAt: '2026-03-02T09:05:00.000Z',
      approvals: [
        { ...VOTE, approver: 'bob' },
        { ...VOTE, approver: 'carol' },
      ],
    });

    // Act
    const delivered = await deliverDecision(svc, change, 'tok-1');

    // Assert
    expect(delivered).toBe(true);
    expect(workflow.resumed).toEqual([{ taskToken: 'tok-1', output: { approved: true, approvers: ['bob', 'carol'] } }]);
    expect(workflow.failed).toEqual([]);
    expect(store.taskTokens.has('chg-1')).toBe(false);
    expect(store.entries).toEqual([]);
  });

  it('delivers an approval whose change moved on since (scheduled), as quorum was reached', async () => {
    const { svc, workflow, change } = await arrange({ status: 'scheduled', approvedAt: '2026-03-02T09:05:00.000Z' });

    expect(await deliverDecision(svc, change, 'tok-1')).toBe(true);
    expect(workflow.resumed).toEqual([{ taskToken: 'tok-1', output: { approved: true, approvers: [] } }]);
  });

  it.each([
    ['a rejection with its reason', { status: 'rejected', reason: 'wrong tax table' }, 'ChangeRejected', 'wrong tax table'],
    ['a rejection without a reason', { status: 'rejected' }, 'ChangeRejected', 'rejected'],
    ['an expiry with its reason', { status: 'expired', reason: 'nobody answered' }, 'ApprovalExpired', 'nobody answered'],
    [
      'an expiry without a reason (the deadline named)',
      { status: 'expired', approvalExpiresAt: '2026-03-02T10:00:00.000Z' },
      'ApprovalExpired',
      'quorum was not reached by 2026-03-02T10:00:00.000Z',
    ],
  ] as const)('fails the wait on %s and spends the token', async (_what, over, error, cause) => {
    const { svc, store, workflow, change } = await arrange(over);

    const delivered = await deliverDecision(svc, change, 'tok-1');

    expect(delivered).toBe(true);
    expect(workflow.failed).toEqual([{ taskToken: 'tok-1', error, cause }]);
    expect(workflow.resumed).toEqual([]);
    expect(store.taskTokens.has('chg-1')).toBe(false);
  });

  it('delivers nothing while votes are still open, keeping the token', async () => {
    const { svc, store, workflow, change } = await arrange({ approvals: [{ ...VOTE, approver: 'bob' }] });

    const delivered = await deliverDecision(svc, change, 'tok-1');

    expect(delivered).toBe(false);
    expect(workflow.resumed).toEqual([]);
    expect(workflow.failed).toEqual([]);
    expect(store.taskTokens.get('chg-1')?.taskToken).toBe('tok-1');
  });

  it('counts a token whose wait already ended as delivered, and spends it', async () => {
    // Arrange: the deciding vote's SendTaskSuccess went through; the store was not told (a crash).
    const { svc, store, workflow, change } = await arrange({ approvedAt: '2026-03-02T09:05:00.000Z' });
    workflow.spend('tok-1');

    // Act
    const delivered = await deliverDecision(svc, change, 'tok-1');

    // Assert
    expect(delivered).toBe(true);
    expect(workflow.resumed).toEqual([]);
    expect(store.taskTokens.has('chg-1')).toBe(false);
  });

  it('delivers once when retried: the second delivery finds the wait ended and only spends again', async () => {
    const { svc, workflow, change } = await arrange({ status: 'rejected', reason: 'no' });
    await deliverDecision(svc, change, 'tok-1');

    expect(await deliverDecision(svc, change, 'tok-1')).toBe(true);
    expect(workflow.failed).toHaveLength(1);
  });

  it('rethrows a delivery that failed for another reason, keeping the token outstanding for the reconciler', async () => {
    // Arrange
    const { svc, store, workflow, change } = await arrange({ approvedAt: '2026-03-02T09:05:00.000Z' });
    jest.spyOn(workflow, 'resume').mockRejectedValueOnce(throttled());

    // Act
    const delivered = deliverDecision(svc, change, 'tok-1');

    // Assert
    await expect(delivered).rejects.toThrow('Rate exceeded');
    expect(store.taskTokens.get('chg-1')?.taskToken).toBe('tok-1');
  });

  it("spends only the token it delivered: a newer wait's token stays outstanding", async () => {
    // Arrange: the approval step was re-entered (a restart) and stored tok-2; tok-1 is delivered late.
    const { svc, store, change } = await arrange({ status: 'rejected', reason: 'no' });
    await store.putTaskToken('chg-1', 'tok-2', 'approval');

    // Act
    await deliverDecision(svc, change, 'tok-1');

    // Assert
    expect(store.taskTokens.get('chg-1')?.taskToken).toBe('tok-2');
  });
});
