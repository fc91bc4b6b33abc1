import { approversToNotify, assertMayVote, type PlannedGroup, planGroups, tally, unmetGroups } from '../../../lambdas/core/approval';
import type { Change, ChangeStatus, Vote } from '../../../lambdas/core/change';
import { ConflictError, ForbiddenError } from '../../../lambdas/core/errors';
import { planChange } from '../../../lambdas/core/policy/plan';
import { SINGLE_APPROVER_POLICY } from '../../../lambdas/core/policy/single-approver-policy';
import type { Role, User } from '../../../lambdas/core/user';

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
    SINGLE_APPROVER_POLICY,
    { changeType: 'standard', riskLevel: 'medium', environment: 'production', requester: 'alice' },
    { strategy: 'alias-weights', canary: { steps: [10, 50, 100], bakeSeconds: 60 }, codeDeploy: { deploymentConfig: 'CodeDeployDefault.LambdaAllAtOnce' } },
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

    it('needs the quorum count N whatever the number of eligible members', () => {
      // Arrange
      const groups = [{ name: 'CAB', roles: ['cab' as const], quorum: { count: 2 } }];

      // Act
      const [cab] = planGroups(groups, USERS, 'alice');

      // Assert
      expect(cab.required).toBe(2);
      expect(cab.eligible).toHaveLength(3);
    });

    it('needs both of two eligible members when the quorum is unanimous', () => {
      const [exec] = planGroups([{ name: 'Exec', roles: ['executive'], quorum: 'unanimous' }], USERS, 'alice');

      expect([exec.eligible, exec.required]).toEqual([['carol', 'grace'], 2]);
    });

    it('needs two of three eligible members when the quorum is a majority', () => {
      const [cab] = planGroups([{ name: 'CAB', roles: ['cab'], quorum: 'majority' }], [bob, carol, frank], 'alice');

      expect(cab.required).toBe(2);
    });

    it('needs three of four eligible members when the quorum is a majority (more than half)', () => {
      const [cab] = planGroups([{ name: 'CAB', roles: ['cab'], quorum: 'majority' }], USERS, 'grace');

      expect([cab.eligible.length, cab.required]).toEqual([4, 3]);
    });

    it('lists a member once when they hold several of the group’s roles', () => {
      const [board] = planGroups([{ name: 'Board', roles: ['cab', 'executive'], quorum: { count: 1 } }], USERS, 'alice');

      expect(board.eligible).toEqual(['bob', 'carol', 'frank', 'grace']);
    });

    it('excludes the requester when they are the only holder of the role', () => {
      const [cab] = planGroups([{ name: 'CAB', roles: ['cab'], quorum: 'majority' }], [alice, dana], 'alice');

      expect(cab.eligible).toEqual([]);
    });

    it('still needs one approval when a unanimous or majority group has no eligible member', () => {
      // Act: no one but the requester holds cab.
      const planned = planGroups(
        [
          { name: 'All', roles: ['cab'], quorum: 'unanimous' },
          { name: 'Most', roles: ['cab'], quorum: 'majority' },
        ],
        [alice],
        'alice',
      );

      // Assert: an empty group never approves by default.
      expect(planned.map((g) => g.required)).toEqual([1, 1]);
      expect(unmetGroups(planned)).toMatch(/All needs 1 approver\(s\) but only 0 eligible/);
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

    it('is undefined when no group is planned (pre-approved)', () => {
      expect(unmetGroups([])).toBeUndefined();
    });

    it('reports the approvals as unmet when two of three groups can only be filled by the same person', () => {
      // Arrange: CAB and Exec both have only carol; Peer has two others, so 3 people exist for 3 approvals,
      // but no assignment gives each group its own approver (tally can never approve).
      const groups = [group('CAB', ['carol'], 1), group('Exec', ['carol'], 1), group('Peer', ['bob', 'frank'], 1)];
      expect(tally([vote('carol'), vote('bob'), vote('frank')], groups).state).toBe('pending');

      // Act
      const unmet = unmetGroups(groups);

      // Assert
      expect(unmet).toBeDefined();
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
      expect(() => assertMayVote(change('awaiting_approval'), dana, groups)).toThrow(ForbiddenError);
      expect(() => assertMayVote(change('awaiting_approval'), dana, groups)).toThrow(/needs one of the roles: cab/);
    });

    it('rejects a caller who holds a group role but is not among its eligible members with ForbiddenError', () => {
      // frank holds cab, but the plan was made before he joined the board: only the planned members count.
      expect(() => assertMayVote(change('awaiting_approval'), frank, groups)).toThrow(ForbiddenError);
    });

    it('rejects the requester with ForbiddenError before anything else when they vote twice', () => {
      expect(() => assertMayVote(change('awaiting_approval', [vote('alice')]), alice, [group('CAB', ['alice', 'bob'], 1)])).toThrow(ForbiddenError);
    });

    it.each(['testing', 'scheduled', 'deployed', 'rejected'] as const)('rejects a vote with ConflictError when the change is %s', (status) => {
      expect(() => assertMayVote(change(status), bob, groups)).toThrow(ConflictError);
    });

    it('rejects a second vote by the same approver with ConflictError', () => {
      expect(() => assertMayVote(change('awaiting_approval', [vote('bob')]), bob, groups)).toThrow(/already voted/);
    });

    it('rejects a vote after quorum was reached with ConflictError', () => {
      // Arrange: still awaiting_approval (the workflow has not moved on yet) but approved.
      const approved = change('awaiting_approval', [vote('bob')], { approvedAt: '2026-03-01T10:00:00.000Z' });

      // Act / Assert
      expect(() => assertMayVote(approved, carol, groups)).toThrow(ConflictError);
      expect(() => assertMayVote(approved, carol, groups)).toThrow(/already approved/);
    });
  });

  describe('tally()', () => {
    const cabAndExec = [group('CAB', ['bob', 'carol'], 1), group('Exec', ['carol', 'grace'], 1)];

    it('approves when each group has its quorum from different people (bob → CAB, carol → Exec)', () => {
      // Act
      const t = tally([vote('bob'), vote('carol')], cabAndExec);

      // Assert
      expect(t).toEqual({
        state: 'approved',
        groups: [
          { name: 'CAB', approvals: 1, required: 1 },
          { name: 'Exec', approvals: 1, required: 1 },
        ],
      });
    });

    it('approves at once when no group is planned (pre-approved)', () => {
      expect(tally([], []).state).toBe('approved');
    });

    it('keeps waiting when no one has voted yet', () => {
      expect(tally([], cabAndExec)).toEqual({
        state: 'pending',
        groups: [
          { name: 'CAB', approvals: 0, required: 1 },
          { name: 'Exec', approvals: 0, required: 1 },
        ],
      });
    });

    it('keeps waiting when one person is eligible in both groups but only they voted', () => {
      const t = tally([vote('carol')], cabAndExec);
      expect(t.state).toBe('pending');
      expect(t.groups.map((g) => g.approvals).reduce((a, b) => a + b)).toBe(1);
    });

    it('approves when carol votes first, though a greedy count would give her the CAB and leave bob nowhere', () => {
      // Act: carol is eligible in both groups; bob only in CAB.
      const t = tally([vote('carol'), vote('bob')], cabAndExec);

      // Assert: carol is moved to Exec so bob can fill CAB.
      expect(t.state).toBe('approved');
      expect(t.groups.map((g) => g.approvals)).toEqual([1, 1]);
    });

    it('approves when carol votes first and grace (Exec only) second', () => {
      expect(tally([vote('carol'), vote('grace')], cabAndExec).state).toBe('approved');
    });

    it('keeps waiting when the two approvers can both fill only the same group', () => {
      expect(tally([vote('bob'), vote('frank')], [group('CAB', ['bob', 'frank'], 1), group('Exec', ['carol', 'grace'], 1)]).state).toBe('pending');
    });

    it('finds the assignment along a longer chain when three overlapping groups are filled in an awkward order', () => {
      // Arrange: A{x,y}, B{y,z}, C{z}; y votes first (fits A), z second (fits B), then x fits only A: y must move to B and z to C.
      const groups = [group('A', ['x', 'y'], 1), group('B', ['y', 'z'], 1), group('C', ['z'], 1)];

      // Act
      const t = tally([vote('y'), vote('z'), vote('x')], groups);

      // Assert
      expect(t.state).toBe('approved');
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

    it('ignores the approval of someone who is not eligible', () => {
      expect(tally([vote('dana'), vote('bob')], cabAndExec).state).toBe('pending');
    });

    it('rejects when the only vote is a rejection by an eligible approver', () => {
      expect(tally([vote('grace', 'reject')], cabAndExec)).toEqual({
        state: 'rejected',
        groups: [
          { name: 'CAB', approvals: 0, required: 1 },
          { name: 'Exec', approvals: 0, required: 1 },
        ],
      });
    });

    it('needs both members when the quorum is unanimous over two', () => {
      // Arrange
      const unanimous: PlannedGroup = { ...group('Exec', ['carol', 'grace'], 2), quorum: 'unanimous' };

      // Act / Assert
      expect(tally([vote('carol')], [unanimous]).state).toBe('pending');
      expect(tally([vote('carol'), vote('grace')], [unanimous]).state).toBe('approved');
    });

    it('needs a majority of three eligible members: two', () => {
      const majority: PlannedGroup = { ...group('CAB', ['bob', 'carol', 'frank'], 2), quorum: 'majority' };
      expect(tally([vote('bob')], [majority]).state).toBe('pending');
      expect(tally([vote('bob'), vote('frank')], [majority]).state).toBe('approved');
    });
  });
});
