import type { Change } from '../../../lambdas/core/change';
import { whatFollowsTheVote } from '../../../lambdas/core/vote-outcome';

/** Only the fields the sentence reads. */
const change = (over: { status?: string; approvedAt?: string; bypass?: boolean; windows?: number }): Change =>
  ({
    status: over.status ?? 'awaiting_approval',
    approvedAt: over.approvedAt,
    plan: {
      window: {
        bypass: over.bypass ?? false,
        timeZone: 'Europe/Berlin',
        windows: Array.from({ length: over.windows ?? 0 }, () => ({ days: ['Sat'], start: '02:00', end: '04:00' })),
      },
    },
  }) as unknown as Change;

describe('whatFollowsTheVote()', () => {
  it('says a change still waits when its quorum is not reached', () => {
    expect(whatFollowsTheVote(change({}))).toBe('It still needs more approvals.');
  });

  it('says the deployment starts now when the quorum is reached and no window holds it', () => {
    expect(whatFollowsTheVote(change({ approvedAt: '2026-01-01T00:00:00Z' }))).toBe('Quorum is reached: its deployment starts now.');
    expect(whatFollowsTheVote(change({ approvedAt: '2026-01-01T00:00:00Z', windows: 1, bypass: true }))).toBe('Quorum is reached: its deployment starts now.');
  });

  it('says it deploys in its next change window when its plan has windows', () => {
    expect(whatFollowsTheVote(change({ approvedAt: '2026-01-01T00:00:00Z', windows: 1 }))).toBe(
      'Quorum is reached: it deploys in its next change window (Europe/Berlin).',
    );
  });

  it('says a rejected change will not be deployed', () => {
    expect(whatFollowsTheVote(change({ status: 'rejected' }))).toBe('It is rejected and will not be deployed.');
  });
});
