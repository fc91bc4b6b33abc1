import type { Change, Vote } from './change';
import { ConflictError, ForbiddenError } from './errors';
import type { Role, User } from './ports';

/**
 * Who must approve a change and how many: any `quorum` distinct users holding one of `roles`,
 * never the requester (segregation of duties, ISO/IEC 27001:2022 A.5.3 and A.8.32).
 */
export interface ApprovalRule {
  readonly roles: readonly Role[];
  readonly quorum: number;
}

/** One approver who is not the requester. */
export const DEFAULT_APPROVAL_RULE: ApprovalRule = { roles: ['approver'], quorum: 1 };

/** Users who may vote on the change under the rule. */
export function eligibleApprovers(users: readonly User[], rule: ApprovalRule, requester: string): User[] {
  return users.filter((u) => u.id !== requester && u.roles.some((r) => rule.roles.includes(r)));
}

/**
 * Checks that `caller` may vote now.
 * @throws ConflictError when the change is not awaiting approval or the caller already voted
 * @throws ForbiddenError when the caller is the requester or holds none of the rule's roles
 */
export function assertMayVote(change: Change, caller: User, rule: ApprovalRule): void {
  if (change.status !== 'awaiting_approval') throw new ConflictError(`change ${change.changeId} is not awaiting approval (it is ${change.status})`);
  if (caller.id === change.requester) throw new ForbiddenError('the requester cannot approve their own change');
  if (!caller.roles.some((r) => rule.roles.includes(r))) throw new ForbiddenError(`approving needs one of the roles: ${rule.roles.join(', ')}`);
  if (change.approvals.some((v) => v.approver === caller.id)) throw new ConflictError(`${caller.id} has already voted on change ${change.changeId}`);
}

/** The outcome of the votes so far. */
export interface Tally {
  readonly state: 'approved' | 'rejected' | 'pending';
  readonly approvals: number;
  readonly needed: number;
}

/** Counts votes: one rejection rejects; `quorum` distinct approvals approve. */
export function tally(votes: readonly Vote[], rule: ApprovalRule): Tally {
  const approvals = new Set(votes.filter((v) => v.decision === 'approve').map((v) => v.approver)).size;
  if (votes.some((v) => v.decision === 'reject')) return { state: 'rejected', approvals, needed: rule.quorum };
  return { state: approvals >= rule.quorum ? 'approved' : 'pending', approvals, needed: rule.quorum };
}
