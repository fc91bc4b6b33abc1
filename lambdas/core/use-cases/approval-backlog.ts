import { approvalBacklogAge, type OperationalMetric } from '../operational-metrics';
import type { Services } from './services';

/**
 * The approval backlog now: `ApprovalBacklogAgeSeconds`, the age in s of the oldest change awaiting
 * approval (0 when none waits), read from the changes (every page of `awaiting_approval`).
 */
export async function approvalBacklog(svc: Services): Promise<OperationalMetric> {
  const waiting: { approvalRequestedAt?: string; createdAt: string }[] = [];
  let nextToken: string | undefined;
  do {
    const page = await svc.store.listChanges({ status: 'awaiting_approval', limit: 100, nextToken });
    waiting.push(...page.items);
    nextToken = page.nextToken;
  } while (nextToken);
  return approvalBacklogAge(waiting, svc.now());
}
