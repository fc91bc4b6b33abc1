import type { LedgerEntry } from './ledger';

/** The service name on every log line, metric (dimension `service`) and trace segment of CMV. */
export const SERVICE_NAME = 'cmv';
/** The CloudWatch namespace of CMV's own metrics (EMF). */
export const METRICS_NAMESPACE = 'CMV';

/** One data point of CMV's own metrics (namespace `CMV`), as the handler that saw it emits it. */
export interface OperationalMetric {
  readonly name: OperationalMetricName;
  readonly unit: 'Count' | 'Milliseconds' | 'Seconds';
  readonly value: number;
  /** Dimensions besides `service` (e.g. `cause` of a rollback). */
  readonly dimensions?: Readonly<Record<string, string>>;
}

/**
 * CMV's operational metrics: changes proposed, votes recorded, deployments started, rollbacks by
 * `cause` (the trigger: workflow, operator, alarm, codedeploy), the time from a change's proposal
 * to its version taking all traffic, the time from an alarm going to ALARM to the rollback it
 * caused, and the age of the oldest change awaiting approval.
 */
export const OPERATIONAL_METRICS = [
  'ChangesProposed',
  'ApprovalsRecorded',
  'DeploymentsStarted',
  'Rollbacks',
  'ProposalToFullTrafficMs',
  'AlarmToRollbackMs',
  'ApprovalBacklogAgeSeconds',
] as const;
export type OperationalMetricName = (typeof OPERATIONAL_METRICS)[number];

/** The ledger types of a vote: one that leaves the quorum open, reaches it, or rejects. */
const VOTE_TYPES = new Set(['ApprovalRecorded', 'ChangeApproved', 'ChangeRejected']);

/**
 * The metrics a committed ledger entry stands for: the ledger holds each state change exactly once,
 * so counting its entries counts what happened, however often a step was retried.
 * @param proposedAt - ISO-8601 time the entry's change was proposed; needed for `ProposalToFullTrafficMs` of a ChangeDeployed entry
 * @returns none for an entry that is no metric's event
 */
export function metricsOfEntry(entry: Pick<LedgerEntry, 'type' | 'time' | 'details'>, proposedAt?: string): OperationalMetric[] {
  const d = entry.details as { decision?: unknown; trigger?: unknown; alarmAt?: unknown; restoredAt?: unknown };
  switch (entry.type) {
    case 'ChangeProposed':
      return [{ name: 'ChangesProposed', unit: 'Count', value: 1 }];
    case 'DeploymentStarted':
      return [{ name: 'DeploymentsStarted', unit: 'Count', value: 1 }];
    case 'ChangeDeployed': {
      const ms = proposedAt ? msBetween(proposedAt, entry.time) : undefined;
      return ms === undefined ? [] : [{ name: 'ProposalToFullTrafficMs', unit: 'Milliseconds', value: ms }];
    }
    case 'ChangeRolledBack': {
      const cause = typeof d.trigger === 'string' && d.trigger ? d.trigger : 'workflow';
      const out: OperationalMetric[] = [{ name: 'Rollbacks', unit: 'Count', value: 1, dimensions: { cause } }];
      const ms = typeof d.alarmAt === 'string' ? msBetween(d.alarmAt, typeof d.restoredAt === 'string' ? d.restoredAt : entry.time) : undefined;
      if (ms !== undefined) out.push({ name: 'AlarmToRollbackMs', unit: 'Milliseconds', value: ms });
      return out;
    }
    default:
      // A vote (pre-approval by policy records ChangeApproved without a decision: no vote).
      return VOTE_TYPES.has(entry.type) && typeof d.decision === 'string' ? [{ name: 'ApprovalsRecorded', unit: 'Count', value: 1 }] : [];
  }
}

/**
 * The approval backlog: the age in s of the oldest change awaiting approval, from when its approval
 * was requested (its proposal, before the request went out); 0 when none waits.
 * @param waiting - the changes awaiting approval
 */
export function approvalBacklogAge(waiting: readonly { approvalRequestedAt?: string; createdAt: string }[], now: Date): OperationalMetric {
  const oldest = Math.min(...waiting.map((c) => Date.parse(c.approvalRequestedAt ?? c.createdAt)).filter(Number.isFinite));
  const seconds = Number.isFinite(oldest) ? Math.max(0, Math.floor((now.getTime() - oldest) / 1000)) : 0;
  return { name: 'ApprovalBacklogAgeSeconds', unit: 'Seconds', value: seconds };
}

/** ms from `from` to `to` (ISO-8601), never negative; undefined when either is not a time. */
function msBetween(from: string, to: string): number | undefined {
  const ms = Date.parse(to) - Date.parse(from);
  return Number.isFinite(ms) ? Math.max(0, ms) : undefined;
}
