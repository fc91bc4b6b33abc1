import { assertMayVote, DEFAULT_APPROVAL_RULE, tally } from '../approval';
import type { Change, Vote } from '../change';
import type { ApprovalDecisionRequest } from '../change-request';
import { ConflictError } from '../errors';
import { recordChange } from './record-change';
import type { Caller, Services } from './services';

/**
 * Records one approver's vote. The vote is a conditional write on the change's revision, so two
 * approvers deciding at the same moment are serialised: exactly one of them reaches quorum and
 * resumes the workflow (SendTaskSuccess); a rejection fails the wait with `ChangeRejected`.
 * @returns the change after the vote
 * @throws ForbiddenError (403) for the requester or a caller without an approver role
 * @throws ConflictError (409) when the change is not awaiting approval, or the caller already voted
 */
export async function decideApproval(svc: Services, caller: Caller, changeId: string, request: ApprovalDecisionRequest): Promise<Change> {
  let outcome: ReturnType<typeof tally> | undefined;
  const change = await recordChange(svc, changeId, caller.id, (c) => {
    assertMayVote(c, caller, DEFAULT_APPROVAL_RULE);
    if (c.approvedAt) throw new ConflictError(`change ${changeId} is already approved`);
    const vote: Vote = { approver: caller.id, roles: caller.roles, decision: request.decision, comment: request.comment, at: svc.now().toISOString() };
    const approvals = [...c.approvals, vote];
    outcome = tally(approvals, DEFAULT_APPROVAL_RULE);
    const details = { decision: vote.decision, comment: vote.comment, roles: vote.roles, approvals: outcome.approvals, needed: outcome.needed };
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
