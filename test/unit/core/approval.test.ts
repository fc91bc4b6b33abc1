import { type ApprovalRule, assertMayVote, DEFAULT_APPROVAL_RULE, eligibleApprovers, tally } from '../../../lambdas/core/approval';
import type { Change, ChangeStatus, Vote } from '../../../lambdas/core/change';
import { ConflictError, ForbiddenError } from '../../../lambdas/core/errors';
import type { Role, User } from '../../../lambdas/core/ports';

const user = (id: string, ...roles: Role[]): User => ({ id, name: id, email: `${id}@example.org`, roles });

const alice = user('alice', 'requester', 'approver');
const bob = user('bob', 'approver');
const carol = user('carol', 'release_admin');
const dave = user('dave', 'requester', 'auditor');

const vote = (approver: string, decision: Vote['decision']): Vote => ({ approver, roles: ['approver'], decision, comment: '', at: '2026-03-01T10:00:00.000Z' });

function change(status: ChangeStatus, approvals: Vote[] = []): Change {
  return {
    changeId: 'chg-1',
    target: 'benefit-calculator',
    version: '1.1.0',
    baseVersion: '1.0.0',
    status,
    revision: 3,
    title: 'Exclude seasonal bonuses',
    description: '',
    changeType: 'standard',
    riskLevel: 'medium',
    requester: 'alice',
    source: { kind: 'diff', uri: 's3://bucket/chg-1.diff' },
    artifact: { uri: 's3://bucket/chg-1.zip', sha256: 'abc=', bytes: 100 },
    config: {},
    approvals,
    createdAt: '2026-03-01T09:00:00.000Z',
    updatedAt: '2026-03-01T09:00:00.000Z',
  };
}

describe('approval', () => {
  describe('eligibleApprovers()', () => {
    it('returns users holding a rule role when they are not the requester', () => {
      // Arrange
      const rule: ApprovalRule = { roles: ['approver', 'release_admin'], quorum: 1 };

      // Act
      const eligible = eligibleApprovers([alice, bob, carol, dave], rule, 'alice');

      // Assert
      expect(eligible.map((u) => u.id)).toEqual(['bob', 'carol']);
    });

    it('excludes users without the rule roles', () => {
      expect(eligibleApprovers([alice, bob, carol, dave], DEFAULT_APPROVAL_RULE, 'dave').map((u) => u.id)).toEqual(['alice', 'bob']);
    });
  });

  describe('assertMayVote()', () => {
    it('allows an approver who is not the requester when the change awaits approval', () => {
      expect(() => assertMayVote(change('awaiting_approval'), bob, DEFAULT_APPROVAL_RULE)).not.toThrow();
    });

    it('rejects the requester with ForbiddenError even when they hold the approver role', () => {
      expect(() => assertMayVote(change('awaiting_approval'), alice, DEFAULT_APPROVAL_RULE)).toThrow(ForbiddenError);
      expect(() => assertMayVote(change('awaiting_approval'), alice, DEFAULT_APPROVAL_RULE)).toThrow('the requester cannot approve their own change');
    });

    it('rejects a user with ForbiddenError when they lack the approver role', () => {
      expect(() => assertMayVote(change('awaiting_approval'), carol, DEFAULT_APPROVAL_RULE)).toThrow(ForbiddenError);
      expect(() => assertMayVote(change('awaiting_approval'), carol, DEFAULT_APPROVAL_RULE)).toThrow(/needs one of the roles: approver/);
    });

    it.each(['submitted', 'testing', 'deploying', 'deployed', 'rejected'] as const)('rejects the vote with ConflictError when the change is %s', (status) => {
      expect(() => assertMayVote(change(status), bob, DEFAULT_APPROVAL_RULE)).toThrow(ConflictError);
      expect(() => assertMayVote(change(status), bob, DEFAULT_APPROVAL_RULE)).toThrow(`is not awaiting approval (it is ${status})`);
    });

    it('rejects a second vote with ConflictError when the caller already voted', () => {
      const voted = change('awaiting_approval', [vote('bob', 'approve')]);

      expect(() => assertMayVote(voted, bob, { roles: ['approver'], quorum: 2 })).toThrow(ConflictError);
      expect(() => assertMayVote(voted, bob, { roles: ['approver'], quorum: 2 })).toThrow('bob has already voted on change chg-1');
    });
  });

  describe('tally()', () => {
    const twoOfApprovers: ApprovalRule = { roles: ['approver'], quorum: 2 };

    it('returns rejected when one vote rejects even with approvals at quorum', () => {
      const result = tally([vote('bob', 'approve'), vote('erin', 'approve'), vote('frank', 'reject')], twoOfApprovers);

      expect(result).toEqual({ state: 'rejected', approvals: 2, needed: 2 });
    });

    it('returns approved when the quorum of distinct approvers is reached', () => {
      expect(tally([vote('bob', 'approve'), vote('erin', 'approve')], twoOfApprovers)).toEqual({ state: 'approved', approvals: 2, needed: 2 });
    });

    it('counts the same approver once when they appear twice', () => {
      expect(tally([vote('bob', 'approve'), vote('bob', 'approve')], twoOfApprovers)).toEqual({ state: 'pending', approvals: 1, needed: 2 });
    });

    it('returns pending when no votes are in yet', () => {
      expect(tally([], DEFAULT_APPROVAL_RULE)).toEqual({ state: 'pending', approvals: 0, needed: 1 });
    });
  });
});
