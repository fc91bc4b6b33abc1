import { assertMayVote, tally } from '../approval';
import type { Change, Vote } from '../change';
import type { ApprovalDecisionRequest } from '../change-request';
import type { StoreWrite } from '../ports';
import { deliverDecision } from './deliver-decision';
import { recordChange } from './record-change';
import type { Caller, Services } from './services';

/** A single-use approval link spent by a vote: its hash, and when its record may go (epoch s). */
export interface UsedLink {
  readonly hash: string;
  readonly expiresAtEpochS: number;
}

/**
 * Records one approver's vote under the change's planned approver groups. The vote is a
 * conditional write on the change's revision, so approvers deciding at the same moment are
 * serialised: exactly one of them reaches quorum and resumes the workflow (SendTaskSuccess); a
 * rejection by any eligible approver fails the wait with `ChangeRejected`. A link used to vote is
 * spent in the vote's own transaction. The decision reaches the workflow after the commit
 * (`deliverDecision`); if that fails, the reconciler delivers it from the record.
 * @returns the change after the vote
 * @throws ForbiddenError (403) for the requester or a caller eligible in no group
 * @throws ConflictError (409) when the change is not awaiting approval, is already approved, or the caller already voted
 */
export async function decideApproval(svc: Services, caller: Caller, changeId: string, request: ApprovalDecisionRequest, link?: UsedLink): Promise<Change> {
  let outcome: ReturnType<typeof tally> | undefined;
  // The link is consumed in the vote's own transaction: a vote is never lost with its link spent.
  const writes: StoreWrite[] = link ? [{ kind: 'link', changeId, linkHash: link.hash, expiresAtEpochS: link.expiresAtEpochS }] : [];
  const change = await recordChange(svc, changeId, caller, (c) => {
    const groups = c.plan.approvals.groups;
    assertMayVote(c, caller, groups);
    const vote: Vote = { approver: caller.id, roles: caller.roles, decision: request.decision, comment: request.comment, at: svc.now().toISOString() };
    const approvals = [...c.approvals, vote];
    outcome = tally(approvals, groups);
    // Which approver groups the vote can count in (the planned groups that list the voter as eligible).
    const approverGroups = groups.filter((g) => g.eligible.includes(caller.id)).map((g) => g.name);
    const details = { decision: vote.decision, comment: vote.comment, roles: vote.roles, approverGroups, groups: outcome.groups };
    if (outcome.state === 'rejected') {
      return { event: 'ChangeRejected', patch: { approvals, reason: `rejected by ${caller.id}: ${request.comment || 'no reason given'}` }, details, writes };
    }
    if (outcome.state === 'approved') return { event: 'ChangeApproved', patch: { approvals, approvedAt: vote.at }, details, writes };
    return { event: 'ApprovalRecorded', patch: { approvals }, details, writes };
  });
  if (outcome?.state === 'pending') return change;
  const token = (await svc.store.getTaskToken(changeId))?.taskToken;
  if (!token) throw new Error(`change ${changeId} has no task token to resume`);
  // The vote is committed: a delivery that fails now (throttling, a crash) is retried by the
  // reconciler from the record, so the voter's answer stays the recorded vote.
  await deliverDecision(svc, change, token).catch(() => undefined);
  return change;
}
