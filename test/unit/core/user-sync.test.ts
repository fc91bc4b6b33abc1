import type { User } from '../../../lambdas/core/user';
import { approverFilterPolicy, type PoolUser, planPoolChanges, planSubscriptionChanges } from '../../../lambdas/core/user-sync';

const user = (id: string, roles: User['roles'], email = `${id}@example.org`, name = id.toUpperCase()): User => ({ id, name, email, roles });
const pooled = (u: User, over: Partial<PoolUser> = {}): PoolUser => ({ id: u.id, email: u.email, name: u.name, enabled: true, groups: u.roles, ...over });

describe('user-sync', () => {
  describe('planPoolChanges()', () => {
    it('creates every user of a first deploy, then adds each to its role groups', () => {
      // Arrange
      const bob = user('bob', ['approver', 'cab']);

      // Act
      const changes = planPoolChanges([bob], []);

      // Assert
      expect(changes).toEqual([
        { kind: 'create', user: bob },
        { kind: 'add-to-group', id: 'bob', group: 'approver' },
        { kind: 'add-to-group', id: 'bob', group: 'cab' },
      ]);
    });

    it('changes nothing when the pool already matches the file', () => {
      const users = [user('alice', ['requester']), user('bob', ['approver'])];

      expect(
        planPoolChanges(
          users,
          users.map((u) => pooled(u)),
        ),
      ).toEqual([]);
    });

    it('updates a changed e-mail or name, re-enables a disabled user, and moves group memberships to the file', () => {
      // Arrange
      const carol = user('carol', ['approver', 'requester'], 'carol@new.example.org');
      const pool = [pooled(user('carol', ['requester', 'auditor']), { enabled: false })];

      // Act
      const changes = planPoolChanges([carol], pool);

      // Assert
      expect(changes).toEqual([
        { kind: 'update', id: 'carol', email: 'carol@new.example.org', name: 'CAROL' },
        { kind: 'enable', id: 'carol' },
        { kind: 'add-to-group', id: 'carol', group: 'approver' },
        { kind: 'remove-from-group', id: 'carol', group: 'auditor' },
      ]);
    });

    it('disables a user the file no longer lists, and takes away its roles', () => {
      // Arrange
      const frank = user('frank', ['cab', 'approver']);

      // Act
      const changes = planPoolChanges([], [pooled(frank)]);

      // Assert
      expect(changes).toEqual([
        { kind: 'disable', id: 'frank' },
        { kind: 'remove-from-group', id: 'frank', group: 'cab' },
        { kind: 'remove-from-group', id: 'frank', group: 'approver' },
      ]);
    });

    it('disables a user created by hand, outside the users file, and takes away its roles', () => {
      expect(planPoolChanges([], [pooled(user('handmade', ['release_admin']))])).toEqual([
        { kind: 'disable', id: 'handmade' },
        { kind: 'remove-from-group', id: 'handmade', group: 'release_admin' },
      ]);
    });

    it('only takes the roles of a user the file does not list that is already disabled', () => {
      expect(planPoolChanges([], [pooled(user('gone', ['auditor']), { enabled: false })])).toEqual([
        { kind: 'remove-from-group', id: 'gone', group: 'auditor' },
      ]);
    });

    it('plans 3,000 new users as 3,000 creates and one group change per role', () => {
      // Arrange
      const users = Array.from({ length: 3000 }, (_, i) => user(`user${i}`, i % 10 === 0 ? ['approver', 'requester'] : ['requester']));

      // Act
      const changes = planPoolChanges(users, []);

      // Assert
      expect(changes.filter((c) => c.kind === 'create')).toHaveLength(3000);
      expect(changes.filter((c) => c.kind === 'add-to-group')).toHaveLength(3300);
      expect(changes.findIndex((c) => c.kind === 'add-to-group')).toBe(3000);
    });
  });

  describe('planSubscriptionChanges()', () => {
    const bob = user('bob', ['approver']);
    const carol = user('carol', ['approver']);

    it('subscribes each approver with a filter policy that lets through only the messages addressed to them', () => {
      expect(planSubscriptionChanges([bob, carol], [])).toEqual([
        { kind: 'subscribe', email: 'bob@example.org', filterPolicy: '{"approver":["bob@example.org"]}' },
        { kind: 'subscribe', email: 'carol@example.org', filterPolicy: '{"approver":["carol@example.org"]}' },
      ]);
    });

    it('keeps a confirmed subscription with the right filter, and does not subscribe again one awaiting confirmation', () => {
      const subscriptions = [
        { arn: 'arn:sub:bob', email: 'Bob@Example.org', filterPolicy: '{ "approver": ["bob@example.org"] }' },
        { email: 'carol@example.org' },
      ];

      expect(planSubscriptionChanges([bob, carol], subscriptions)).toEqual([]);
    });

    it('puts the filter back on an approver’s subscription without it (it would receive every approver’s links)', () => {
      expect(planSubscriptionChanges([bob], [{ arn: 'arn:sub:bob', email: 'bob@example.org' }])).toEqual([
        { kind: 'set-filter', arn: 'arn:sub:bob', filterPolicy: approverFilterPolicy('bob@example.org') },
      ]);
    });

    it('unsubscribes whoever is no approver, and a second subscription of the same approver', () => {
      const subscriptions = [
        { arn: 'arn:sub:bob-1', email: 'bob@example.org', filterPolicy: approverFilterPolicy('bob@example.org') },
        { arn: 'arn:sub:bob-2', email: 'bob@example.org', filterPolicy: approverFilterPolicy('bob@example.org') },
        { arn: 'arn:sub:frank', email: 'frank@example.org', filterPolicy: approverFilterPolicy('frank@example.org') },
        { email: 'pending@example.org' },
      ];

      expect(planSubscriptionChanges([bob], subscriptions)).toEqual([
        { kind: 'unsubscribe', arn: 'arn:sub:bob-2' },
        { kind: 'unsubscribe', arn: 'arn:sub:frank' },
      ]);
    });
  });
});
