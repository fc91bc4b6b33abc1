import { syncUsers } from '../../../../lambdas/core/use-cases/sync-users';
import type { User } from '../../../../lambdas/core/user';
import { approverFilterPolicy, type PoolUser } from '../../../../lambdas/core/user-sync';
import { FakeSubscriptions, FakeUserPool } from '../../../fixtures/fakes';
import { user } from '../../../fixtures/records';

const alice = user('alice', 'requester');
const bob = user('bob', 'approver', 'cab');
const carol = user('carol', 'approver');

/** A user as the pool holds them, in step with the users file unless `over` says otherwise. */
const pooled = (u: User, over: Partial<PoolUser> = {}): PoolUser => ({ id: u.id, email: u.email, name: u.name, enabled: true, groups: [...u.roles], ...over });
/** The pool's users sorted by id, their groups sorted: what the sync leaves, whatever order it ran in. */
const poolOf = async (pool: FakeUserPool) => (await pool.users()).map((u) => ({ ...u, groups: [...u.groups].sort() })).sort((a, b) => a.id.localeCompare(b.id));
const sortedRoles = (u: User): User => ({ ...u, roles: [...u.roles].sort() });
/** A confirmed subscription with the filter that lets only `email`'s links through. */
const confirmed = (email: string, arn: string) => ({ arn, email, filterPolicy: approverFilterPolicy(email) });

function arrange() {
  const pool = new FakeUserPool();
  const subscriptions = new FakeSubscriptions();
  return { pool, subscriptions, ports: { pool, subscriptions } };
}

describe('syncUsers()', () => {
  it('creates every user of a first deploy in their role groups, and subscribes each approver with a filter for their own links', async () => {
    // Arrange
    const { pool, subscriptions, ports } = arrange();

    // Act
    const result = await syncUsers(ports, [alice, bob, carol]);

    // Assert
    expect(result).toEqual({ poolChanges: 7, subscriptionChanges: 2 });
    expect(await poolOf(pool)).toEqual([alice, bob, carol].map((u) => pooled(sortedRoles(u))));
    expect(subscriptions.all()).toEqual([
      { email: 'bob@example.org', filterPolicy: approverFilterPolicy('bob@example.org') },
      { email: 'carol@example.org', filterPolicy: approverFilterPolicy('carol@example.org') },
    ]);
  });

  it('changes nothing when run again', async () => {
    // Arrange
    const { pool, subscriptions, ports } = arrange();
    await syncUsers(ports, [alice, bob, carol]);
    subscriptions.confirm('bob@example.org');
    const before = { pool: pool.applied.length, subscriptions: subscriptions.applied.length };

    // Act
    const result = await syncUsers(ports, [alice, bob, carol]);

    // Assert
    expect(result).toEqual({ poolChanges: 0, subscriptionChanges: 0 });
    expect({ pool: pool.applied.length, subscriptions: subscriptions.applied.length }).toEqual(before);
  });

  it('creates a new user before adding them to their groups, even with more memberships than run at once', async () => {
    // Arrange: one user in four groups — its creation and three memberships would fit one batch.
    const { pool, ports } = arrange();
    const dana = user('dana', 'approver', 'cab', 'release_admin', 'auditor');

    // Act
    await syncUsers(ports, [dana]);

    // Assert
    expect(await poolOf(pool)).toEqual([pooled(sortedRoles(dana))]);
    expect(pool.applied[0]).toEqual({ kind: 'create', user: dana });
  });

  it('never has more than four changes in flight at once (the rate of Cognito’s admin API)', async () => {
    const { pool, ports } = arrange();
    const many = Array.from({ length: 10 }, (_, i) => user(`u${i}`, 'requester'));

    await syncUsers(ports, many);

    expect(pool.maxInFlight).toBe(4);
    expect(await pool.users()).toHaveLength(10);
  });

  it('updates a changed e-mail or name, enables a disabled user, moves memberships, and disables a user the file no longer lists', async () => {
    // Arrange
    const { pool, ports } = arrange();
    const carolNow = user('carol', 'approver', 'requester');
    pool.seed(
      pooled(alice),
      pooled(carolNow, { email: 'carol@old.example.org', enabled: false, groups: ['requester', 'auditor'] }),
      pooled(user('frank', 'cab', 'approver')),
    );

    // Act
    const result = await syncUsers(ports, [alice, { ...carolNow, name: 'Carol C.' }]);

    // Assert
    expect(result.poolChanges).toBe(7);
    expect(await poolOf(pool)).toEqual([
      pooled(alice),
      { id: 'carol', email: 'carol@example.org', name: 'Carol C.', enabled: true, groups: ['approver', 'requester'] },
      { id: 'frank', email: 'frank@example.org', name: 'FRANK', enabled: false, groups: [] },
    ]);
  });

  it('puts the filter back on a confirmed subscription without one, unsubscribes whoever is no approver, and leaves one awaiting confirmation', async () => {
    // Arrange
    const { subscriptions, ports } = arrange();
    subscriptions.seed(
      { arn: 'arn:sub-bob', email: 'bob@example.org' },
      { email: 'carol@example.org' },
      confirmed('frank@example.org', 'arn:sub-frank'),
      confirmed('bob@example.org', 'arn:sub-bob-2'),
    );

    // Act
    const result = await syncUsers(ports, [bob, carol]);

    // Assert
    expect(result.subscriptionChanges).toBe(3);
    expect(subscriptions.all()).toEqual([confirmed('bob@example.org', 'arn:sub-bob'), { email: 'carol@example.org' }]);
  });

  it('rejects with the first error of a change, keeps the changes applied, and a later run does the rest', async () => {
    // Arrange: Cognito throttles one of bob's memberships.
    const { pool, subscriptions, ports } = arrange();
    pool.failNext((c) => c.kind === 'add-to-group' && c.id === 'bob', Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException' }));
    await expect(syncUsers(ports, [alice, bob, carol])).rejects.toThrow('Rate exceeded');
    expect((await pool.users()).map((u) => u.id).sort()).toEqual(['alice', 'bob', 'carol']);
    expect(subscriptions.all()).toEqual([]);

    // Act
    const result = await syncUsers(ports, [alice, bob, carol]);

    // Assert
    expect(result).toEqual({ poolChanges: 1, subscriptionChanges: 2 });
    expect(await poolOf(pool)).toEqual([alice, bob, carol].map((u) => pooled(sortedRoles(u))));
  });
});
