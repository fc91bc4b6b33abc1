import { assertMayVote, tally } from '../approval';
import type { Change, Vote } from '../change';
import type { ApprovalDecisionRequest } from '../change-request';
import { recordChange } from './record-change';
import type { Caller, Services } from './services';

/**
 * Records one approver's vote under the change's planned approver groups. The vote is a
 * conditional write on the change's revision, so approvers deciding at the same moment are
 * serialised: exactly one of them reaches quorum and resumes the workflow (SendTaskSuccess); a
 * rejection by any eligible approver fails the wait with `ChangeRejected`.
 * @returns the change after the vote
 * @throws ForbiddenError (403) for the requester or a caller eligible in no group
 * @throws ConflictError (409) when the change is not awaiting approval, is already approved, or the caller already voted
 */
export async function decideApproval(svc: Services, caller: Caller, changeId: string, request: ApprovalDecisionRequest): Promise<Change> {
  let outcome: ReturnType<typeof tally> | undefined;
  const change = await recordChange(svc, changeId, caller.id, (c) => {
    const groups = c.plan.approvals.groups;
    assertMayVote(c, caller, groups);
    const vote: Vote = { approver: caller.id, roles: caller.roles, decision: request.decision, comment: request.comment, at: svc.now().toISOString() };
    const approvals = [...c.approvals, vote];
    outcome = tally(approvals, groups);
    const details = { decision: vote.decision, comment: vote.comment, roles: vote.roles, groups: outcome.groups };
    if (outcome.state === 'rejected') {
      return { event: 'ChangeRejected', patch: { approvals, reason: `rejected by ${caller.id}: ${request.comment || 'no reason given'}` }, details };
    }
    if (outcome.state === 'approved') return { event: 'ChangeApproved', patch: { approvals, approvedAt: vote.at }, details };
    return { event: 'ApprovalRecorded', patch: { approvals }, details };
  });
  if (outcome?.state === 'pending') return change;
  const token = await svc.store.getTaskToken(changeId);
  if (!token) throw new Error(`change ${changeId} has no task token to resume`);
  if (outcome?.state === 'approved') await svc.workflow.resume(token, { approved: true, approvers: change.approvals.map((v) => v.approver) });
  else await svc.workflow.fail(token, 'ChangeRejected', change.reason ?? 'rejected');
  return change;
}
