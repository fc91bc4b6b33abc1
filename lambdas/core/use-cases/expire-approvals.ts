import { changesIn } from './changes-in';
import { isSpentToken } from './deliver-decision';
import type { Services } from './services';

/**
 * The approval timeout of the policy: fails the approval wait of every change whose
 * `approvalExpiresAt` has passed with `ApprovalExpired` (the workflow records `expired`). Runs on a
 * schedule (EventBridge in AWS, an interval locally); idempotent.
 * @returns the ids of the changes it expired
 */
export async function expireApprovals(svc: Services): Promise<string[]> {
  const now = svc.now().toISOString();
  const expired: string[] = [];
  for await (const change of changesIn(svc.store, 'awaiting_approval')) {
    if (!change.approvalExpiresAt || change.approvalExpiresAt > now || change.approvedAt) continue;
    const token = (await svc.store.getTaskToken(change.changeId))?.taskToken;
    if (!token) continue;
    try {
      await svc.workflow.fail(token, 'ApprovalExpired', `quorum was not reached by ${change.approvalExpiresAt}`);
      expired.push(change.changeId);
    } catch (err) {
      // The wait already ended (a vote or an earlier sweep won): nothing to expire.
      if (!isSpentToken(err)) throw err;
    }
    await svc.store.spendTaskToken(change.changeId, token);
  }
  return expired;
}
