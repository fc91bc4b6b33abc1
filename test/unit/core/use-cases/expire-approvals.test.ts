import type { Change } from '../../../../lambdas/core/change';
import { expireApprovals } from '../../../../lambdas/core/use-cases/expire-approvals';
import { fakeServices, MemoryChangeStore } from '../../../fixtures/fakes';
import { aChange } from '../../../fixtures/records';

const EXPIRES = '2026-03-02T10:00:00.000Z';

/** chg-1 awaiting approval until EXPIRES, with its approval task token outstanding; the clock at `now`. */
async function arrange(now: string, over: Partial<Change> = {}) {
  const store = new MemoryChangeStore().seed({ changes: [aChange({ approvalExpiresAt: EXPIRES, ...over })] });
  await store.putTaskToken('chg-1', 'tok-approval', 'approval');
  const fakes = fakeServices({ fakes: { store } });
  fakes.clock.set(now);
  return fakes;
}

describe('expireApprovals()', () => {
  it('fails the approval wait of a change past its expiry with ApprovalExpired and spends the token', async () => {
    // Arrange
    const { svc, store, workflow } = await arrange('2026-03-02T10:00:01.000Z');

    // Act
    const expired = await expireApprovals(svc);

    // Assert
    expect(expired).toEqual(['chg-1']);
    expect(workflow.failed).toEqual([{ taskToken: 'tok-approval', error: 'ApprovalExpired', cause: `quorum was not reached by ${EXPIRES}` }]);
    expect(store.taskTokens.has('chg-1')).toBe(false);
    expect(store.entries).toEqual([]);
  });

  it('leaves a change before its expiry alone', async () => {
    const { svc, store, workflow } = await arrange('2026-03-02T09:59:59.000Z');

    expect(await expireApprovals(svc)).toEqual([]);
    expect(workflow.failed).toEqual([]);
    expect(store.taskTokens.has('chg-1')).toBe(true);
  });

  it('leaves a change that reached quorum alone, even past its expiry', async () => {
    const { svc, workflow } = await arrange('2026-03-02T11:00:00.000Z', { approvedAt: '2026-03-02T09:00:00.000Z' });

    expect(await expireApprovals(svc)).toEqual([]);
    expect(workflow.failed).toEqual([]);
  });

  it('does nothing more when run again (the token was spent by the first run)', async () => {
    const { svc, workflow } = await arrange('2026-03-02T10:00:01.000Z');
    await expireApprovals(svc);

    expect(await expireApprovals(svc)).toEqual([]);
    expect(workflow.failed).toHaveLength(1);
  });

  it('expires nothing when a vote ended the wait first (the token is spent), and spends the token', async () => {
    // Arrange: the deciding vote answered the workflow, its token is not yet marked spent in the store.
    const { svc, store, workflow } = await arrange('2026-03-02T10:00:01.000Z');
    workflow.spend('tok-approval');

    // Act
    const expired = await expireApprovals(svc);

    // Assert
    expect(expired).toEqual([]);
    expect(workflow.failed).toEqual([]);
    expect(store.taskTokens.has('chg-1')).toBe(false);
  });
});
