import type { Role, User } from './user';

/**
 * Keeping the user pool and the approvers' e-mail subscriptions in step with the users file: the
 * file is the source of truth, the sync at each deploy applies the difference. CloudFormation
 * cannot hold them as resources once there are more than a few dozen users (500 resources a stack).
 */

/** A user of the user pool as the sync sees it: username = the users-file id. */
export interface PoolUser {
  readonly id: string;
  readonly email: string;
  readonly name: string;
  readonly enabled: boolean;
  /** Its CMV role groups. */
  readonly groups: readonly Role[];
}

/** One change to the user pool. A new user receives Cognito's invitation e-mail. */
export type PoolChange =
  | { readonly kind: 'create'; readonly user: User }
  | { readonly kind: 'update'; readonly id: string; readonly email: string; readonly name: string }
  | { readonly kind: 'enable'; readonly id: string }
  | { readonly kind: 'disable'; readonly id: string }
  | { readonly kind: 'add-to-group'; readonly id: string; readonly group: Role }
  | { readonly kind: 'remove-from-group'; readonly id: string; readonly group: Role };

/**
 * What makes the pool match the users file, which is the only source of who may sign in and with
 * which roles: a user of the pool the file does not list (no longer, or never: created by hand) is
 * disabled and leaves its groups. It is not deleted: ledger entries name it, and listing it again
 * enables it with its username, password and MFA device.
 * @returns the changes: users first (create, update, enable, disable), then group memberships, so that
 *   applying the first part before the second never adds a user to a group before it exists
 */
export function planPoolChanges(desired: readonly User[], pool: readonly PoolUser[]): PoolChange[] {
  const inPool = new Map(pool.map((u) => [u.id, u]));
  const wanted = new Set(desired.map((u) => u.id));
  const changes: PoolChange[] = [];
  const groupChanges: PoolChange[] = [];
  for (const user of desired) {
    const current = inPool.get(user.id);
    if (!current) changes.push({ kind: 'create', user });
    else {
      if (current.email !== user.email || current.name !== user.name) changes.push({ kind: 'update', id: user.id, email: user.email, name: user.name });
      if (!current.enabled) changes.push({ kind: 'enable', id: user.id });
    }
    const has = new Set(current?.groups ?? []);
    for (const group of user.roles) if (!has.has(group)) groupChanges.push({ kind: 'add-to-group', id: user.id, group });
    for (const group of has) if (!user.roles.includes(group)) groupChanges.push({ kind: 'remove-from-group', id: user.id, group });
  }
  for (const current of pool) {
    if (wanted.has(current.id)) continue;
    if (current.enabled) changes.push({ kind: 'disable', id: current.id });
    for (const group of current.groups) groupChanges.push({ kind: 'remove-from-group', id: current.id, group });
  }
  return [...changes, ...groupChanges];
}

/** An e-mail subscription of the approval topic. `arn` is absent while it awaits confirmation (SNS gives none then). */
export interface EmailSubscription {
  readonly arn?: string;
  readonly email: string;
  /** Its filter policy as JSON, absent when it has none (it would receive every approver's links). */
  readonly filterPolicy?: string;
}

/** One change to the approval topic's subscriptions. */
export type SubscriptionChange =
  | { readonly kind: 'subscribe'; readonly email: string; readonly filterPolicy: string }
  | { readonly kind: 'set-filter'; readonly arn: string; readonly filterPolicy: string }
  | { readonly kind: 'unsubscribe'; readonly arn: string };

/** The filter policy of an approver's subscription: only the messages addressed to them (`approver` attribute). */
export const approverFilterPolicy = (email: string): string => JSON.stringify({ approver: [email] });

/**
 * What gives each approver of the users file one subscription that receives their links only, and
 * no one else any. A subscription awaiting confirmation cannot be changed or removed (SNS gives it
 * no ARN); it is left to be confirmed or to lapse, and an approver who has one is not subscribed again.
 */
export function planSubscriptionChanges(approvers: readonly User[], subscriptions: readonly EmailSubscription[]): SubscriptionChange[] {
  const wanted = new Map(approvers.map((a) => [a.email.toLowerCase(), a.email]));
  const covered = new Set<string>();
  const changes: SubscriptionChange[] = [];
  for (const sub of subscriptions) {
    const email = wanted.get(sub.email.toLowerCase());
    if (!email || covered.has(email)) {
      if (sub.arn) changes.push({ kind: 'unsubscribe', arn: sub.arn });
      continue;
    }
    covered.add(email);
    const filterPolicy = approverFilterPolicy(email);
    if (sub.arn && !sameJson(sub.filterPolicy, filterPolicy)) changes.push({ kind: 'set-filter', arn: sub.arn, filterPolicy });
  }
  for (const email of wanted.values()) if (!covered.has(email)) changes.push({ kind: 'subscribe', email, filterPolicy: approverFilterPolicy(email) });
  return changes;
}

function sameJson(a: string | undefined, b: string): boolean {
  if (a === undefined) return false;
  try {
    return JSON.stringify(JSON.parse(a)) === b;
  } catch {
    return false;
  }
}

/** The user pool, as the sync reads and changes it. */
export interface UserPoolPort {
  /** Every user of the pool with its CMV role groups. */
  users(): Promise<PoolUser[]>;
  /** Applies one change; applying it again when already done is not an error. */
  apply(change: PoolChange): Promise<void>;
}

/** The approval topic's e-mail subscriptions, as the sync reads and changes them. */
export interface SubscriptionsPort {
  list(): Promise<EmailSubscription[]>;
  apply(change: SubscriptionChange): Promise<void>;
}
