import { ConflictError, ForbiddenError } from '../../../../lambdas/core/errors';
import { recordReview } from '../../../../lambdas/core/use-cases/record-review';
import { fakeServices, MemoryChangeStore } from '../../../fixtures/fakes';
import { aChange, caller } from '../../../fixtures/records';

const REVIEW = { outcome: 'successful' as const, summary: 'Restored the weekly benefit within the hour.', followUps: ['add an alarm on p99'] };
const bob = caller('bob', 'cab');

/** An emergency change (its policy rule requires a review) that ended as `status`. */
function arrange(status: 'deployed' | 'deploying' = 'deployed', extra = {}) {
  const change = aChange({ status, revision: 9, ...extra }, { changeType: 'emergency', riskLevel: 'high' });
  const store = new MemoryChangeStore().seed({ changes: [change] });
  return { ...fakeServices({ fakes: { store } }), change };
}

describe('recordReview()', () => {
  it('records the review on the change and a PostImplementationReviewRecorded entry by the reviewer', async () => {
    // Arrange
    const { svc, store, clock } = arrange();

    // Act
    const reviewed = await recordReview(svc, bob, 'chg-1', REVIEW);

    // Assert
    const review = { by: 'bob', at: clock.now().toISOString(), ...REVIEW };
    expect(store.changes.get('chg-1')).toMatchObject({ status: 'deployed', revision: 10, review });
    expect(reviewed).toEqual(store.changes.get('chg-1'));
    expect(store.entries).toMatchObject([{ type: 'PostImplementationReviewRecorded', changeId: 'chg-1', actor: 'bob', details: review }]);
  });

  it.each([
    ['a caller without the cab or release_admin role', caller('dave', 'approver'), ForbiddenError],
    ['the requester reviewing their own change', caller('alice', 'cab'), ForbiddenError],
  ])('refuses %s with a 403, writing nothing', async (_who, who, error) => {
    const { svc, store } = arrange();

    const review = recordReview(svc, who, 'chg-1', REVIEW);

    await expect(review).rejects.toThrow(error);
    await expect(review).rejects.toMatchObject({ statusCode: 403 });
    expect(store.entries).toEqual([]);
    expect(store.changes.get('chg-1')?.review).toBeUndefined();
  });

  it('refuses a change that has not ended yet with a 409, writing nothing', async () => {
    const { svc, store } = arrange('deploying');

    await expect(recordReview(svc, bob, 'chg-1', REVIEW)).rejects.toThrow(/is deploying; review it once it has ended/);
    expect(store.entries).toEqual([]);
  });

  it('refuses a change whose policy rule requires no review with a 409', async () => {
    const store = new MemoryChangeStore().seed({ changes: [aChange({ status: 'deployed' })] });
    const { svc } = fakeServices({ fakes: { store } });

    const review = recordReview(svc, bob, 'chg-1', REVIEW);

    await expect(review).rejects.toThrow(ConflictError);
    await expect(review).rejects.toThrow(/needs no post-implementation review \(rule low-risk\)/);
    expect(store.entries).toEqual([]);
  });

  it('refuses a second review with a 409 and keeps the first', async () => {
    const first = { by: 'carol', at: '2026-03-02T08:00:00.000Z', ...REVIEW, summary: 'The first review, kept as it is.' };
    const { svc, store } = arrange('deployed', { review: first });

    await expect(recordReview(svc, bob, 'chg-1', REVIEW)).rejects.toThrow(/already recorded/);
    expect(store.changes.get('chg-1')?.review).toEqual(first);
    expect(store.entries).toEqual([]);
  });

  it('refuses when a concurrent reviewer committed between the read and the write, recording only theirs', async () => {
    // Arrange: carol's review commits after bob's read of the change.
    const { svc, store, change } = arrange();
    const carols = { by: 'carol', at: '2026-03-02T08:00:00.000Z', ...REVIEW };
    store.interleave(() => store.seed({ changes: [{ ...change, review: carols, revision: change.revision + 1 }] }));

    // Act
    const review = recordReview(svc, bob, 'chg-1', REVIEW);

    // Assert: bob's write failed its condition, the re-read found carol's review.
    await expect(review).rejects.toThrow(/already recorded/);
    expect(store.changes.get('chg-1')?.review).toEqual(carols);
    expect(store.entries).toEqual([]);
  });
});
