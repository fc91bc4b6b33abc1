import { approvalBacklogAge, type OperationalMetric } from '../operational-metrics';
import { changesIn } from './changes-in';
import type { Services } from './services';

/**
 * The approval backlog now: `ApprovalBacklogAgeSeconds`, the age in s of the oldest change awaiting
 * approval (0 when none waits), read from the changes (every page of `awaiting_approval`).
 */
export async function approvalBacklog(svc: Services): Promise<OperationalMetric> {
  const waiting: { approvalRequestedAt?: string; createdAt: string }[] = [];
  for await (const change of changesIn(svc.store, 'awaiting_approval')) waiting.push(change);
  return approvalBacklogAge(waiting, svc.now());
}
