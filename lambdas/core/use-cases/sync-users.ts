import type { User } from '../user';
import { type PoolChange, planPoolChanges, planSubscriptionChanges, type SubscriptionsPort, type UserPoolPort } from '../user-sync';

/** How many changes run at once: Cognito's admin APIs allow tens of requests a second per pool; the SDK retries throttling. */
const CONCURRENCY = 4;

/** What a sync changed. */
export interface SyncResult {
  readonly poolChanges: number;
  readonly subscriptionChanges: number;
}

/**
 * Makes the user pool and the approval topic's subscriptions match the users file (see
 * `planPoolChanges`, `planSubscriptionChanges`). Idempotent: run again, it finds nothing to do.
 * @throws the first error of a change; changes already applied stay (the next run does the rest)
 */
export async function syncUsers(
  ports: { readonly pool: UserPoolPort; readonly subscriptions: SubscriptionsPort },
  users: readonly User[],
): Promise<SyncResult> {
  const poolChanges = planPoolChanges(users, await ports.pool.users());
  const isGroupChange = (c: PoolChange) => c.kind === 'add-to-group' || c.kind === 'remove-from-group';
  // Users first, all of them, then their groups: a membership needs its user.
  await inBatches(
    poolChanges.filter((c) => !isGroupChange(c)),
    (c) => ports.pool.apply(c),
  );
  await inBatches(poolChanges.filter(isGroupChange), (c) => ports.pool.apply(c));
  const approvers = users.filter((u) => u.roles.includes('approver'));
  const subscriptionChanges = planSubscriptionChanges(approvers, await ports.subscriptions.list());
  await inBatches(subscriptionChanges, (c) => ports.subscriptions.apply(c));
  return { poolChanges: poolChanges.length, subscriptionChanges: subscriptionChanges.length };
}

async function inBatches<T>(items: readonly T[], run: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += CONCURRENCY) await Promise.all(items.slice(i, i + CONCURRENCY).map(run));
}
