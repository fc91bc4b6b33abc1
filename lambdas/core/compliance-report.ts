import { ChangeType, RiskLevel } from './change-request';
import {
  CHANGE_OUTCOMES,
  type ChangeFacts,
  type ChangeHistory,
  type ChangeOutcome,
  type Check,
  changeFacts,
  ROLLBACK_CAUSES,
  type RollbackCause,
} from './compliance-facts';
import { type EntryRef, evidenceOf } from './evidence';
import type { LedgerEntry } from './ledger';

/**
 * The compliance report: what became of the changes proposed in a period, computed from their
 * ledger entries alone (plus the review requirement of each change's plan). Every figure lists the
 * entries it was computed from. Pure.
 *
 * Definitions (docs/design.md "Compliance report"):
 * - the changes: those whose `ChangeProposed` entry lies in [from, to); everything recorded about them since counts;
 * - approval and testing compliance: of the deployed changes, those whose votes met their plan's
 *   quorum / whose every required suite has a recorded pass;
 * - change success and rollback rate: of the changes whose deployment started and ended, those
 *   deployed / rolled back (the rest failed while deploying);
 * - emergency change rate: emergency changes of all; missing review: of the ended emergency changes
 *   whose plan requires a post-implementation review, those without one;
 * - lead time: `ChangeProposed` → 100 % of traffic, of the deployed changes; time to restore: the
 *   rollback's trigger → `restoredAt`, of the rollbacks whose trigger time is recorded. Seconds.
 */

/** A count of one kind (a change type, risk level, outcome or rollback cause), with its entries. */
export interface Breakdown<K extends string> {
  readonly key: K;
  readonly count: number;
  readonly entries: readonly EntryRef[];
}

/** `count` of `of`, in % (two decimals; null when `of` is 0). */
export interface Ratio {
  readonly count: number;
  readonly of: number;
  readonly percent: number | null;
  readonly entries: readonly EntryRef[];
}

/** A ratio of changes that met a rule, with each change that did not and why. */
export interface ComplianceRatio extends Ratio {
  readonly exceptions: readonly { readonly changeId: string; readonly reason: string }[];
}

/** Durations in s (millisecond precision): per change, their mean and p90 (nearest rank: a value some change had). */
export interface Durations {
  readonly count: number;
  readonly meanSeconds: number | null;
  readonly p90Seconds: number | null;
  readonly samples: readonly { readonly changeId: string; readonly seconds: number }[];
  readonly entries: readonly EntryRef[];
}

/** What the report covers. Times ISO-8601; `targets` are the registered targets the filters matched. */
export interface ReportScope {
  readonly from: string;
  readonly to: string;
  readonly target?: string;
  readonly environment?: string;
  readonly targets: readonly string[];
}

/** The compliance report. */
export interface ComplianceReport {
  readonly scope: ReportScope;
  /** ISO-8601 time it was computed: later entries of the same changes may change it until they all ended. */
  readonly asOf: string;
  readonly changes: {
    readonly total: number;
    readonly byType: readonly Breakdown<ChangeType | 'unknown'>[];
    readonly byRisk: readonly Breakdown<RiskLevel | 'unknown'>[];
    readonly byOutcome: readonly Breakdown<ChangeOutcome>[];
  };
  readonly approvalCompliance: ComplianceRatio;
  readonly testingCompliance: ComplianceRatio;
  readonly changeSuccessRate: Ratio;
  readonly rollbackRate: Ratio & { readonly byCause: readonly Breakdown<RollbackCause>[] };
  readonly emergencyChangeRate: Ratio;
  /** Ended emergency changes whose review is required but not recorded (`count`), of those requiring one (`of`). */
  readonly emergencyMissingReview: Ratio & { readonly changeIds: readonly string[] };
  readonly leadTime: Durations;
  readonly timeToRestore: Durations & { readonly notMeasured: readonly { readonly changeId: string; readonly cause: RollbackCause }[] };
}

/** What the report is computed from: its scope, and the ledger entries of each change proposed in it. */
export interface ComplianceInput {
  readonly scope: ReportScope;
  readonly asOf: string;
  readonly changes: readonly ChangeHistory[];
}

/** Builds the compliance report. */
export function complianceReport(input: ComplianceInput): ComplianceReport {
  const all = input.changes.flatMap((h) => changeFacts(h) ?? []).filter((f) => f.proposed.time >= input.scope.from && f.proposed.time < input.scope.to);
  const deployed = all.filter((f) => f.outcome === 'deployed');
  const deployments = all.filter((f) => f.deploymentStarted && f.outcome !== 'in_progress');
  const rolledBack = deployments.filter((f) => f.outcome === 'rolled_back');
  const emergency = all.filter((f) => f.changeType === 'emergency');
  const needReview = emergency.filter((f) => f.reviewRequired && ['deployed', 'rolled_back', 'failed'].includes(f.outcome));
  const missingReview = needReview.filter((f) => !f.review);
  const rollbacks = rolledBack.flatMap((f) => (f.rollback ? [{ f, r: f.rollback }] : []));
  const measured = rollbacks.filter(({ r }) => r.trigger);
  const deploymentEntries = (fs: readonly ChangeFacts[]) => evidenceOf(fs.flatMap((f) => [f.deploymentStarted, f.ended]));
  return {
    scope: input.scope,
    asOf: input.asOf,
    changes: {
      total: all.length,
      byType: breakdown(
        [...ChangeType.options, 'unknown'] as const,
        all,
        (f) => f.changeType,
        (f) => [f.proposed],
      ),
      byRisk: breakdown(
        [...RiskLevel.options, 'unknown'] as const,
        all,
        (f) => f.riskLevel,
        (f) => [f.proposed],
      ),
      byOutcome: breakdown(
        CHANGE_OUTCOMES,
        all,
        (f) => f.outcome,
        (f) => [f.proposed, f.ended],
      ),
    },
    approvalCompliance: compliance(deployed, (f) => f.approval),
    testingCompliance: compliance(deployed, (f) => f.testing),
    changeSuccessRate: ratio(deployments.filter((f) => f.outcome === 'deployed').length, deployments.length, deploymentEntries(deployments)),
    rollbackRate: {
      ...ratio(rolledBack.length, deployments.length, deploymentEntries(deployments)),
      byCause: breakdown(
        ROLLBACK_CAUSES,
        rollbacks,
        ({ r }) => r.cause,
        ({ r }) => [r.trigger?.entry, r.entry],
      ),
    },
    emergencyChangeRate: ratio(emergency.length, all.length, evidenceOf(all.map((f) => f.proposed))),
    emergencyMissingReview: {
      ...ratio(missingReview.length, needReview.length, evidenceOf(needReview.flatMap((f) => [f.proposed, f.ended, f.review]))),
      changeIds: missingReview.map((f) => f.changeId),
    },
    leadTime: durations(
      deployed.flatMap((f) =>
        f.fullTraffic ? [{ changeId: f.changeId, from: f.proposed.time, to: f.fullTraffic.time, read: [f.proposed, f.fullTraffic] }] : [],
      ),
    ),
    timeToRestore: {
      ...durations(
        measured.map(({ f, r }) => ({ changeId: f.changeId, from: r.trigger?.at ?? r.restoredAt, to: r.restoredAt, read: [r.trigger?.entry, r.entry] })),
      ),
      notMeasured: rollbacks.filter(({ r }) => !r.trigger).map(({ f, r }) => ({ changeId: f.changeId, cause: r.cause })),
    },
  };
}

/** `count` of `of` in %, rounded to two decimals; null of nothing. */
export function percent(count: number, of: number): number | null {
  return of === 0 ? null : Math.round((10_000 * count) / of) / 100;
}

function ratio(count: number, of: number, entries: readonly EntryRef[]): Ratio {
  return { count, of, percent: percent(count, of), entries };
}

function compliance(population: readonly ChangeFacts[], check: (f: ChangeFacts) => Check): ComplianceRatio {
  const results = population.map((f) => ({ f, c: check(f) }));
  return {
    ...ratio(results.filter(({ c }) => c.met).length, results.length, evidenceOf(results.flatMap(({ f, c }) => [...c.entries, f.ended]))),
    exceptions: results.filter(({ c }) => !c.met).map(({ f, c }) => ({ changeId: f.changeId, reason: c.reason ?? 'not met' })),
  };
}

function breakdown<K extends string, T>(
  keys: readonly K[],
  items: readonly T[],
  keyOf: (item: T) => K,
  read: (item: T) => (LedgerEntry | undefined)[],
): Breakdown<K>[] {
  return keys.map((key) => {
    const matching = items.filter((i) => keyOf(i) === key);
    return { key, count: matching.length, entries: evidenceOf(matching.flatMap(read)) };
  });
}

/** Seconds between two ISO-8601 times, millisecond precision; never negative (clocks of different services may disagree by milliseconds). */
const secondsBetween = (from: string, to: string) => Math.max(0, Date.parse(to) - Date.parse(from)) / 1000;

function durations(spans: readonly { changeId: string; from: string; to: string; read: (LedgerEntry | undefined)[] }[]): Durations {
  const samples = spans.map((s) => ({ changeId: s.changeId, seconds: secondsBetween(s.from, s.to) }));
  const sorted = samples.map((s) => s.seconds).sort((a, b) => a - b);
  return {
    count: samples.length,
    meanSeconds: sorted.length ? Math.round((1000 * sorted.reduce((a, b) => a + b, 0)) / sorted.length) / 1000 : null,
    p90Seconds: sorted.length ? nearestRank(sorted, 90) : null,
    samples,
    entries: evidenceOf(spans.flatMap((s) => s.read)),
  };
}

/** The p-th percentile by nearest rank: the smallest value with at least p % of the values at or below it. */
export function nearestRank(sorted: readonly number[], p: number): number {
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];
}
