import type { AUDIT_QUERIED, LedgerEntry } from './ledger';
import type { BusEvent } from './ports';
import type { ChangeEvent, TargetEvent } from './transitions';

/**
 * CMV's events for other systems: one EventBridge event (`source: cmv`) per ledger entry, so
 * that an event exists exactly when its state change committed (the ledger is the outbox). The
 * detail-type names what happened in words; the detail carries the entry's own fields and its
 * hash, which a subscriber can check against `GET /audit`.
 */

/** The `source` of every CMV event. */
export const EVENT_SOURCE = 'cmv';

/** The detail-type of each ledger entry type: a subscriber's rule matches on these. */
export const DETAIL_TYPES = {
  ChangeProposed: 'Change Proposed',
  TestsStarted: 'Tests Started',
  TestsPassed: 'Tests Passed',
  TestsFailed: 'Tests Failed',
  TestsDeferred: 'Tests Deferred',
  TestsNotRequired: 'Tests Not Required',
  DeferredTestsPassed: 'Deferred Tests Passed',
  ApprovalRequested: 'Approval Requested',
  ApprovalRecorded: 'Approval Recorded',
  ChangeApproved: 'Change Approved',
  ChangeRejected: 'Change Rejected',
  ApprovalExpired: 'Approval Expired',
  DeploymentScheduled: 'Deployment Scheduled',
  DeploymentStarted: 'Deployment Started',
  VersionPublished: 'Version Published',
  CodeDeployStarted: 'CodeDeploy Deployment Created',
  TrafficShifted: 'Traffic Shifted',
  CanaryStepChecked: 'Deployment Step Completed',
  ProvisionedConcurrencyRequested: 'Provisioned Concurrency Requested',
  ProvisionedConcurrencyReady: 'Provisioned Concurrency Ready',
  ProvisionedConcurrencyReleased: 'Provisioned Concurrency Released',
  SmokeTestsPassed: 'Smoke Tests Passed',
  SmokeTestsFailed: 'Smoke Tests Failed',
  DeploymentPaused: 'Deployment Paused',
  DeploymentResumed: 'Deployment Resumed',
  PromotionRequested: 'Promotion Requested',
  ChangeDeployed: 'Deployment Succeeded',
  ChangeRolledBack: 'Deployment Rolled Back',
  ChangeFailed: 'Change Failed',
  PostImplementationReviewRecorded: 'Post-Implementation Review Recorded',
  ChangeAdvanced: 'Change Advanced',
  TargetRegistered: 'Target Registered',
  VersionActivated: 'Version Activated',
  VersionsRetired: 'Versions Retired',
  BundleSigned: 'Bundle Signed',
  BundleVerificationFailed: 'Bundle Verification Failed',
  CodeSigningStarted: 'Code Signing Started',
  CodeSigningFailed: 'Code Signing Failed',
  // A read of the audit trail (chain audit-reads): subscribers watching who reads the ledger match on it.
  AuditQueried: 'Audit Queried',
} as const satisfies Record<ChangeEvent | TargetEvent | typeof AUDIT_QUERIED, string>;

/** The detail-type of a ledger entry type this version does not know (a newer writer's). */
export const UNKNOWN_DETAIL_TYPE = 'Ledger Entry Recorded';

/**
 * The bus event of a ledger entry: detail-type from {@link DETAIL_TYPES}, detail
 * `{ledgerType, chain, seq, hash, changeId?, target?, actor, ...details}`, time = the entry's time.
 * An entry is identified by its chain and seq (a subscriber dedups on both).
 */
export function busEventOf(entry: LedgerEntry): BusEvent {
  const detailType = (DETAIL_TYPES as Record<string, string>)[entry.type] ?? UNKNOWN_DETAIL_TYPE;
  return {
    detailType,
    time: entry.time,
    detail: {
      ...entry.details,
      ledgerType: entry.type,
      chain: entry.chain,
      seq: entry.seq,
      hash: entry.hash,
      ...(entry.changeId ? { changeId: entry.changeId } : {}),
      ...(entry.target ? { target: entry.target } : {}),
      actor: entry.actor,
    },
  };
}

/**
 * The e-mail a rollback sends (SNS): who or what rolled back which change, and why.
 * @returns undefined for any entry other than ChangeRolledBack
 */
export function rollbackNotice(entry: LedgerEntry): { subject: string; text: string } | undefined {
  if (entry.type !== 'ChangeRolledBack') return undefined;
  const d = entry.details as { reason?: string; trigger?: string; alarm?: string; restoredAt?: string };
  return {
    subject: `CMV: change ${entry.changeId} to ${entry.target} was rolled back`,
    text: [
      `Change ${entry.changeId} to ${entry.target} was rolled back by ${entry.actor}${d.trigger ? ` (${d.trigger})` : ''} at ${entry.time}.`,
      d.reason ? `Reason: ${d.reason}` : undefined,
      d.alarm ? `Alarm: ${d.alarm}` : undefined,
      `The previous version serves all traffic again. Ledger entry #${entry.seq} of ${entry.chain} (${entry.hash}).`,
    ]
      .filter(Boolean)
      .join('\n'),
  };
}
