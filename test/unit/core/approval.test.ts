import { approversToNotify, assertMayVote, type PlannedGroup, planGroups, tally, unmetGroups } from '../../../lambdas/core/approval';
import type { Change, ChangeStatus, Vote } from '../../../lambdas/core/change';
import { ConflictError, ForbiddenError } from '../../../lambdas/core/errors';
import { DEFAULT_POLICY } from '../../../lambdas/core/policy/default-policy';
import { planChange } from '../../../lambdas/core/policy/plan';
import type { Role, User } from '../../../lambdas/core/ports';

const user = (id: string, ...roles: Role[]): User => ({ id, name: id, email: `${id}@example.org`, roles });

const alice = user('alice', 'requester', 'cab');
const bob = user('bob', 'approver', 'cab');
const carol = user('carol', 'cab', 'executive');
const frank = user('frank', 'cab');
const grace = user('grace', 'executive');
const dana = user('dana', 'release_admin');
const USERS = [alice, bob, carol, frank, grace, dana];

const vote = (approver: string, decision: Vote['decision'] = 'approve'): Vote => ({
  approver,
  roles: [],
  decision,
  comment: '',
  at: '2026-03-01T10:00:00.000Z',
});
const group = (name: string, eligible: string[], required: number): PlannedGroup => ({ name, roles: ['cab'], quorum: { count: required }, eligible, required });

function change(status: ChangeStatus, approvals: Vote[] = [], extra: Partial<Change> = {}): Change {
  const plan = planChange(
    DEFAULT_POLICY,
    { changeType: 'standard', riskLevel: 'medium', environment: 'production', requester: 'alice' },
    { steps: [10, 50, 100], bakeSeconds: 60 },
    USERS,
    new Date('2026-03-02T10:00:00Z'),
  );
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
    plan,
    approvals,
    createdAt: '2026-03-01T09:00:00.000Z',
    updatedAt: '2026-03-01T09:00:00.000Z',
    ...extra,
  };
}

describe('approval', () => {
  describe('planGroups()', () => {
    it('lists the eligible members of each group without the requester, and the approvals each needs', () => {
      // Arrange
      const groups = [
        { name: 'CAB', roles: ['cab' as const], quorum: 'majority' as const },
        { name: 'Board', roles: ['cab' as const], quorum: 'unanimous' as const },
        { name: 'Exec', roles: ['executive' as const], quorum: { count: 1 } },
      ];

      // Act
      const planned = planGroups(groups, USERS, 'alice');

      // Assert: cab members except alice are bob, carol, frank → majority 2, unanimous 3.
      expect(planned.map((g) => [g.name, g.eligible, g.required])).toEqual([
        ['CAB', ['bob', 'carol', 'frank'], 2],
        ['Board', ['bob', 'carol', 'frank'], 3],
        ['Exec', ['carol', 'grace'], 1],
      ]);
    });
  });

  describe('unmetGroups()', () => {
    it('is undefined when every group can reach its quorum with different people', () => {
      expect(unmetGroups([group('CAB', ['bob', 'carol'], 1), group('Exec', ['carol'], 1)])).toBeUndefined();
    });

    it('names a group with fewer eligible members than it needs', () => {
      expect(unmetGroups([group('CAB', ['bob'], 2)])).toMatch(/CAB needs 2 approver\(s\) but only 1 eligible/);
    });

    it('names the shortfall when the groups need more different people than exist', () => {
      expect(unmetGroups([group('CAB', ['carol'], 1), group('Exec', ['carol'], 1)])).toMatch(/need 2 different people but only 1 are eligible/);
    });
  });

  describe('approversToNotify()', () => {
    it('e-mails every eligible member of any group once', () => {
      const notify = approversToNotify([group('CAB', ['bob', 'carol'], 1), group('Exec', ['carol', 'grace'], 1)], USERS);
      expect(notify.map((u) => u.id)).toEqual(['bob', 'carol', 'grace']);
    });
  });

  describe('assertMayVote()', () => {
    const groups = [group('Peer', ['bob', 'carol'], 1)];

    it('allows an eligible approver when the change awaits approval', () => {
      expect(() => assertMayVote(change('awaiting_approval'), bob, groups)).not.toThrow();
    });

    it('rejects the requester with ForbiddenError even when they hold an eligible role', () => {
      expect(() => assertMayVote(change('awaiting_approval'), alice, [group('CAB', ['alice', 'bob'], 1)])).toThrow(ForbiddenError);
    });

    it('rejects a caller eligible in no group with ForbiddenError naming the roles', () => {
      expect(() => assertMayVote(change('awaiting_approval'), dana, groups)).toThrow(/needs one of the roles: cab/);
    });

    it.each(['testing', 'scheduled', 'deployed', 'rejected'] as const)('rejects a vote with ConflictError when the change is %s', (status) => {
      expect(() => assertMayVote(change(status), bob, groups)).toThrow(ConflictError);
    });

    it('rejects a second vote by the same approver with ConflictError', () => {
      expect(() => assertMayVote(change('awaiting_approval', [vote('bob')]), bob, groups)).toThrow(/already voted/);
    });

    it('rejects a vote after quorum was reached with ConflictError', () => {
      expect(() => assertMayVote(change('awaiting_approval', [vote('bob')], { approvedAt: '2026-03-01T10:00:00.000Z' }), carol, groups)).toThrow(
        /already approved/,
      );
    });
  });

  describe('tally()', () => {
    const cabAndExec = [group('CAB', ['bob', 'carol'], 1), group('Exec', ['carol', 'grace'], 1)];

    it('approves when each group has its quorum from different people', () => {
      expect(tally([vote('bob'), vote('carol')], cabAndExec).state).toBe('approved');
    });

    it('keeps waiting when one person is eligible in both groups but only they voted', () => {
      const t = tally([vote('carol')], cabAndExec);
      expect(t.state).toBe('pending');
      expect(t.groups.map((g) => g.approvals).reduce((a, b) => a + b)).toBe(1);
    });

    it('finds the assignment a greedy count would miss: carol voted first and could fill either group', () => {
      expect(tally([vote('carol'), vote('bob')], cabAndExec).state).toBe('approved');
      expect(tally([vote('carol'), vote('grace')], cabAndExec).state).toBe('approved');
    });

    it('counts one person once, however often they appear', () => {
      expect(tally([vote('bob'), vote('bob')], [group('CAB', ['bob', 'carol', 'frank'], 2)]).state).toBe('pending');
    });

    it('rejects on one rejection by an eligible approver, whatever the approvals', () => {
      expect(tally([vote('bob'), vote('grace'), vote('carol', 'reject')], cabAndExec).state).toBe('rejected');
    });

    it('ignores a rejection by someone who is not eligible', () => {
      expect(tally([vote('dana', 'reject'), vote('bob'), vote('grace')], cabAndExec).state).toBe('approved');
    });

    it('needs a majority of three eligible members: two', () => {
      const majority: PlannedGroup = { ...group('CAB', ['bob', 'carol', 'frank'], 2), quorum: 'majority' };
      expect(tally([vote('bob')], [majority]).state).toBe('pending');
      expect(tally([vote('bob'), vote('frank')], [majority]).state).toBe('approved');
    });
  });
});
