import * as z from 'zod';
import { type PlannedGroup, tally } from './approval';
import type { Vote } from './change';
import { ChangeType, RiskLevel } from './change-request';
import { ledgerOrder } from './evidence';
import type { LedgerEntry } from './ledger';
import type { RollbackCause } from './rollback-cause';
import { strategyByRollbackTrigger } from './strategies/registry';

/**
 * What one change's ledger entries say about it, for the compliance report: its type and risk, how
 * it ended, whether it had its approvals and tests, when it reached 100 % and, for a rollback, why
 * and when it was triggered. Pure: the same entries give the same facts.
 */

/** How a change ended; `in_progress` while none of its final entries is recorded (scheduled included). */
export const CHANGE_OUTCOMES = ['deployed', 'rolled_back', 'failed', 'tests_failed', 'rejected', 'expired', 'in_progress'] as const;
export type ChangeOutcome = (typeof CHANGE_OUTCOMES)[number];

/** The ledger entry type that ends a change, and the outcome it records. */
const FINAL_ENTRIES: Readonly<Record<string, Exclude<ChangeOutcome, 'in_progress'>>> = {
  ChangeDeployed: 'deployed',
  ChangeRolledBack: 'rolled_back',
  ChangeFailed: 'failed',
  TestsFailed: 'tests_failed',
  ChangeRejected: 'rejected',
  ApprovalExpired: 'expired',
};

export { ROLLBACK_CAUSES, type RollbackCause } from './rollback-cause';

/** One change's ledger entries (any order), and whether its plan requires a post-implementation review. */
export interface ChangeHistory {
  readonly changeId: string;
  readonly entries: readonly LedgerEntry[];
  /** The policy decision kept on the change (`plan.postImplementationReview`). */
  readonly reviewRequired: boolean;
}

/** A check a deployed change passed or failed, with the entries it read. */
export interface Check {
  readonly met: boolean;
  /** Why it was not met. */
  readonly reason?: string;
  readonly entries: readonly LedgerEntry[];
}

/** A rollback: its cause, the entry that records it, and when it was triggered (when known). */
export interface RollbackFacts {
  readonly cause: RollbackCause;
  readonly entry: LedgerEntry;
  /** ISO-8601 time the old version served again, as recorded (`restoredAt`). */
  readonly restoredAt: string;
  /**
   * When the rollback was triggered: the alarm's move to ALARM, or the entry of the failed smoke
   * test or canary check. Absent when the rollback itself is the trigger (an operator's abort, a
   * failed step, CodeDeploy ending the deployment): no time to restore is measured for it.
   */
  readonly trigger?: { readonly at: string; readonly entry?: LedgerEntry };
}

/** The facts of one change. */
export interface ChangeFacts {
  readonly changeId: string;
  readonly proposed: LedgerEntry;
  readonly changeType: ChangeType | 'unknown';
  readonly riskLevel: RiskLevel | 'unknown';
  readonly outcome: ChangeOutcome;
  /** The entry that ended it. */
  readonly ended?: LedgerEntry;
  /** Its deployment started (it reached production). */
  readonly deploymentStarted?: LedgerEntry;
  /** Its votes met the quorum of every approver group its plan named. */
  readonly approval: Check;
  /** Every suite its plan required passed (before deployment, or after it for an emergency change). */
  readonly testing: Check;
  /** The entry of its move to 100 % of traffic (a `TrafficShifted` to 100, else `ChangeDeployed`). */
  readonly fullTraffic?: LedgerEntry;
  readonly rollback?: RollbackFacts;
  readonly reviewRequired: boolean;
  readonly review?: LedgerEntry;
}

/** The approver groups a `ChangeProposed` entry records (its policy decision). */
const ProposedGroups = z.array(z.object({ name: z.string(), required: z.number().int().min(0), eligible: z.array(z.string()) }));
const Suites = z.array(z.object({ suite: z.string(), passed: z.boolean() }));
const VOTE_ENTRIES = new Set(['ApprovalRecorded', 'ChangeApproved', 'ChangeRejected']);
const TEST_ENTRIES = new Set(['TestsPassed', 'DeferredTestsPassed']);

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/**
 * The facts of one change from its ledger entries.
 * @returns undefined when the entries hold no `ChangeProposed` (not a change the report can count)
 */
export function changeFacts(history: ChangeHistory): ChangeFacts | undefined {
  const entries = [...history.entries].sort(ledgerOrder);
  const proposed = entries.find((e) => e.type === 'ChangeProposed');
  if (!proposed) return undefined;
  const ended = entries.find((e) => FINAL_ENTRIES[e.type] !== undefined);
  const type = ChangeType.safeParse(proposed.details.changeType);
  const risk = RiskLevel.safeParse(proposed.details.riskLevel);
  const fullTraffic = entries.find((e) => e.type === 'TrafficShifted' && e.details.weight === 100) ?? (ended?.type === 'ChangeDeployed' ? ended : undefined);
  return {
    changeId: history.changeId,
    proposed,
    changeType: type.success ? type.data : 'unknown',
    riskLevel: risk.success ? risk.data : 'unknown',
    outcome: ended ? FINAL_ENTRIES[ended.type] : 'in_progress',
    ...(ended ? { ended } : {}),
    ...optional(
      'deploymentStarted',
      entries.find((e) => e.type === 'DeploymentStarted'),
    ),
    approval: approvalCheck(proposed, entries),
    testing: testingCheck(proposed, entries),
    ...optional('fullTraffic', fullTraffic),
    ...optional('rollback', ended?.type === 'ChangeRolledBack' ? rollbackOf(ended, entries, fullTraffic) : undefined),
    reviewRequired: history.reviewRequired,
    ...optional(
      'review',
      entries.find((e) => e.type === 'PostImplementationReviewRecorded'),
    ),
  };
}

const optional = <K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } => (value === undefined ? {} : ({ [key]: value } as { [P in K]: V }));

/**
 * Quorum: the votes recorded in the ledger (`ApprovalRecorded`, `ChangeApproved`, `ChangeRejected`:
 * the voter is the entry's actor) counted against the approver groups of the `ChangeProposed`
 * entry, as `tally` counts them when the change is approved. No groups (pre-approved): met.
 */
function approvalCheck(proposed: LedgerEntry, entries: readonly LedgerEntry[]): Check {
  const groups = ProposedGroups.safeParse(proposed.details.approvals);
  const voteEntries = entries.filter((e) => VOTE_ENTRIES.has(e.type) && (e.details.decision === 'approve' || e.details.decision === 'reject'));
  const read = [proposed, ...voteEntries];
  if (!groups.success) return { met: false, reason: 'its ChangeProposed entry records no approver groups', entries: read };
  const planned: PlannedGroup[] = groups.data.map((g) => ({ ...g, roles: [], quorum: { count: g.required } }));
  const votes: Vote[] = voteEntries.map((e) => ({
    approver: e.actor,
    roles: [],
    decision: e.details.decision as Vote['decision'],
    comment: '',
    at: e.time,
  }));
  const outcome = tally(votes, planned);
  if (outcome.state === 'approved') return { met: true, entries: read };
  const short = outcome.groups.map((g) => `${g.name} ${g.approvals} of ${g.required}`).join(', ');
  return { met: false, reason: outcome.state === 'rejected' ? 'an eligible approver rejected it' : `quorum not reached: ${short}`, entries: read };
}

/** Tests: every suite the `ChangeProposed` entry requires passed in a `TestsPassed` or `DeferredTestsPassed` entry. */
function testingCheck(proposed: LedgerEntry, entries: readonly LedgerEntry[]): Check {
  const required = z.array(z.string()).safeParse(proposed.details.tests);
  const testEntries = entries.filter((e) => TEST_ENTRIES.has(e.type));
  const read = [proposed, ...testEntries];
  if (!required.success) return { met: false, reason: 'its ChangeProposed entry records no required suites', entries: read };
  const passed = new Set(testEntries.flatMap((e) => (Suites.safeParse(e.details.suites).data ?? []).filter((s) => s.passed).map((s) => s.suite)));
  const missing = required.data.filter((s) => !passed.has(s));
  if (missing.length === 0) return { met: true, entries: read };
  return { met: false, reason: `required suites without a recorded pass: ${missing.join(', ')}`, entries: read };
}

/**
 * The cause and trigger of a rollback, from what CMV recorded: the `trigger` of the
 * `ChangeRolledBack` entry (alarm, operator, codedeploy, workflow), CodeDeploy's error code
 * (`codeDeployError`), and the change's entries before it — a `SmokeTestsFailed`, a
 * `CanaryStepChecked` that decided to roll back, or deferred tests still pending after 100 %.
 */
export function rollbackOf(entry: LedgerEntry, entries: readonly LedgerEntry[], fullTraffic?: LedgerEntry): RollbackFacts {
  const d = entry.details;
  const restoredAt = str(d.restoredAt) ?? entry.time;
  const before = entries.filter((e) => ledgerOrder(e, entry) < 0);
  const smokeFailed = before.findLast((e) => e.type === 'SmokeTestsFailed');
  const checkRolledBack = before.findLast((e) => e.type === 'CanaryStepChecked' && e.details.decision === 'rollback');
  const at = (e: LedgerEntry) => ({ at: e.time, entry: e });
  const alarmAt = str(d.alarmAt);
  const facts = (cause: RollbackCause, trigger?: RollbackFacts['trigger']): RollbackFacts => ({ cause, entry, restoredAt, ...(trigger ? { trigger } : {}) });
  // A rollback a strategy's own service recorded (codedeploy: CodeDeploy ending the deployment) is classified by the strategy.
  const own = strategyByRollbackTrigger(d.trigger)?.rollbackCause?.({ codeDeployError: str(d.codeDeployError), smokeTestFailed: smokeFailed !== undefined });
  if (own) return facts(own.cause, own.bySmokeTest && smokeFailed ? at(smokeFailed) : undefined);
  switch (d.trigger) {
    case 'alarm':
      return facts('alarm', alarmAt ? { at: alarmAt } : undefined);
    case 'operator':
      return facts('operator_abort');
    default: {
      if (smokeFailed) return facts('smoke_test', at(smokeFailed));
      if (checkRolledBack) return facts('alarm', at(checkRolledBack));
      const deferredPending = before.some((e) => e.type === 'TestsDeferred') && !before.some((e) => e.type === 'DeferredTestsPassed');
      if (deferredPending && fullTraffic && ledgerOrder(fullTraffic, entry) < 0) return facts('deferred_tests');
      return facts('deployment_error');
    }
  }
}
