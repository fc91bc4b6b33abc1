import { approvalOutcome } from '../approval';
import type { Change } from '../change';
import { SpentTaskTokenError } from '../errors';
import type { Services } from './services';

/**
 * Whether a Step Functions error means the token can no longer be used: its wait already ended
 * (answered, timed out, or the execution stopped). Such a token is spent, not failed.
 */
export function isSpentToken(err: unknown): boolean {
  return err instanceof SpentTaskTokenError;
}

/**
 * Tells the workflow's approval wait what the change records: SendTaskSuccess when approved,
 * SendTaskFailure `ChangeRejected` or `ApprovalExpired` otherwise; then marks the token spent. A
 * token whose wait already ended counts as delivered. Called right after the deciding vote commits,
 * when the approval step is re-entered (a restart), and by the reconciler — so a decision committed
 * before a crash or a failed SendTaskSuccess still reaches the workflow.
 * @returns false when the change has no outcome yet (votes still open)
 * @throws the Step Functions error of a delivery that failed for another reason (throttling…): the token stays outstanding
 */
export async function deliverDecision(svc: Services, change: Change, taskToken: string): Promise<boolean> {
  const outcome = approvalOutcome(change);
  if (!outcome) return false;
  try {
    if (outcome === 'approved') await svc.workflow.resume(taskToken, { approved: true, approvers: change.approvals.map((v) => v.approver) });
    else if (outcome === 'rejected') await svc.workflow.fail(taskToken, 'ChangeRejected', change.reason ?? 'rejected');
    else await svc.workflow.fail(taskToken, 'ApprovalExpired', change.reason ?? `quorum was not reached by ${change.approvalExpiresAt}`);
  } catch (err) {
    if (!isSpentToken(err)) throw err;
  }
  await svc.store.spendTaskToken(change.changeId, taskToken);
  return true;
}
