import type { Change, Vote } from './change';
import { ConflictError, ForbiddenError } from './errors';
import type { PlannedGroup } from './policy/change-plan';
import type { ApproverGroup } from './policy/change-policy';
import type { User } from './user';

export type { PlannedGroup } from './policy/change-plan';

/**
 * Approvals under a policy rule's approver groups: each group needs its quorum of distinct eligible
 * members; one person counts once, in one group; the requester never counts (segregation of
 * duties, ISO/IEC 27001:2022 A.5.3, A.8.32); one rejection by an eligible approver rejects.
 */

/** Plans the groups of a rule for a change by `requester`. */
export function planGroups(groups: readonly ApproverGroup[], users: readonly User[], requester: string): PlannedGroup[] {
  return groups.map((g) => {
    const eligible = users.filter((u) => u.id !== requester && u.roles.some((r) => g.roles.includes(r))).map((u) => u.id);
    const required = g.quorum === 'majority' ? Math.floor(eligible.length / 2) + 1 : g.quorum === 'unanimous' ? Math.max(eligible.length, 1) : g.quorum.count;
    return { name: g.name, roles: g.roles, quorum: g.quorum, eligible, required };
  });
}

/** Why a plan's approvals cannot be met, or undefined when they can. */
export function unmetGroups(groups: readonly PlannedGroup[]): string | undefined {
  const short = groups.filter((g) => g.eligible.length < g.required);
  if (short.length)
    return short.map((g) => `${g.name} needs ${g.required} approver(s) but only ${g.eligible.length} eligible user(s) hold ${g.roles.join('/')}`).join('; ');
  const everyone = new Set(groups.flatMap((g) => g.eligible));
  const needed = groups.reduce((n, g) => n + g.required, 0);
  if (everyone.size < needed) return `the groups need ${needed} different people but only ${everyone.size} are eligible`;
  const filled = assignApprovers([...everyone], groups).owners.filter((o) => o !== undefined).length;
  if (filled < needed) return `no assignment of the eligible people to the groups (one group each) fills more than ${filled} of the ${needed} approvals`;
  return undefined;
}

/**
 * Assigns people to approval slots — `required` slots per group, each person to at most one slot of
 * a group they are eligible in — as a maximum bipartite matching (Kuhn's algorithm).
 * @returns the group index of each slot and who fills it (undefined: unfilled)
 */
export function assignApprovers(people: readonly string[], groups: readonly PlannedGroup[]): { slots: number[]; owners: (string | undefined)[] } {
  const slots = groups.flatMap((g, gi) => Array.from({ length: g.required }, () => gi));
  const owners: (string | undefined)[] = slots.map(() => undefined);
  const tryAssign = (person: string, seen: Set<number>): boolean => {
    for (let s = 0; s < slots.length; s++) {
      if (seen.has(s) || !groups[slots[s]].eligible.includes(person)) continue;
      seen.add(s);
      const owner = owners[s];
      if (owner === undefined || tryAssign(owner, seen)) {
        owners[s] = person;
        return true;
      }
    }
    return false;
  };
  for (const person of people) tryAssign(person, new Set());
  return { slots, owners };
}

/** Users who get an approval e-mail: every eligible member of any group. */
export function approversToNotify(groups: readonly PlannedGroup[], users: readonly User[]): User[] {
  const ids = new Set(groups.flatMap((g) => g.eligible));
  return users.filter((u) => ids.has(u.id));
}

/**
 * Checks that `caller` may vote now.
 * @throws ConflictError when the change is not awaiting approval, is already approved, or the caller already voted
 * @throws ForbiddenError when the caller is the requester or is eligible in none of the groups
 */
export function assertMayVote(change: Change, caller: User, groups: readonly PlannedGroup[]): void {
  if (change.status !== 'awaiting_approval') throw new ConflictError(`change ${change.changeId} is not awaiting approval (it is ${change.status})`);
  if (caller.id === change.requester) throw new ForbiddenError('the requester cannot approve their own change');
  if (!groups.some((g) => g.eligible.includes(caller.id))) {
    throw new ForbiddenError(`approving this change needs one of the roles: ${[...new Set(groups.flatMap((g) => g.roles))].join(', ')}`);
  }
  if (change.approvals.some((v) => v.approver === caller.id)) throw new ConflictError(`${caller.id} has already voted on change ${change.changeId}`);
  if (change.approvedAt) throw new ConflictError(`change ${change.changeId} is already approved`);
}

/** The outcome of the votes so far, per group. */
export interface Tally {
  readonly state: 'approved' | 'rejected' | 'pending';
  readonly groups: readonly { name: string; approvals: number; required: number }[];
}

/**
 * Counts votes: one rejection by an eligible approver rejects; otherwise approved when approvers can
 * be assigned to groups — each person to one group they are eligible in — so that every group gets
 * its required count (a maximum bipartite matching, Kuhn's algorithm).
 */
export function tally(votes: readonly Vote[], groups: readonly PlannedGroup[]): Tally {
  const eligible = (id: string) => groups.some((g) => g.eligible.includes(id));
  if (votes.some((v) => v.decision === 'reject' && eligible(v.approver))) {
    return { state: 'rejected', groups: groups.map((g) => ({ name: g.name, approvals: 0, required: g.required })) };
  }
  const approvers = [...new Set(votes.filter((v) => v.decision === 'approve' && eligible(v.approver)).map((v) => v.approver))];
  const { slots, owners } = assignApprovers(approvers, groups);
  const counts = groups.map((g, gi) => ({
    name: g.name,
    approvals: slots.filter((gs, s) => gs === gi && owners[s] !== undefined).length,
    required: g.required,
  }));
  return { state: counts.every((c) => c.approvals >= c.required) ? 'approved' : 'pending', groups: counts };
}

/** What the approval wait of a change must be told: its recorded outcome, or undefined while votes are still open. */
export type ApprovalOutcome = 'approved' | 'rejected' | 'expired';

/**
 * The approval outcome a change records: rejected and expired by status, approved once quorum was
 * reached (`approvedAt`, whatever the status moved to since). The reconciler delivers it to a
 * workflow still waiting (a crash or a failed SendTaskSuccess after the vote committed).
 */
export function approvalOutcome(change: Pick<Change, 'status' | 'approvedAt'>): ApprovalOutcome | undefined {
  if (change.status === 'rejected') return 'rejected';
  if (change.status === 'expired') return 'expired';
  return change.approvedAt ? 'approved' : undefined;
}
