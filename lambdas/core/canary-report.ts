import type { HealthCheck } from './canary-health';
import { canonicalSha256 } from './canonical-hash';
import type { CanaryStepRecord, Change, ChangeStatus, DeploymentRecord, SmokeTestRun } from './change';
import type { VersionStats } from './observations';
import type { StrategyName } from './strategies/names';
import { strategyOf } from './strategies/registry';
import type { StepDecision } from './workflow-state';

/**
 * The canary report of a change: what each canary step requested, observed and decided, and the
 * series of the chart of weight and error rate over time. Weights, shares and error rates in %,
 * latencies in ms, times ISO-8601 (UTC). Pure: built from the change record alone.
 *
 * The report of an ENDED deployment is fixed: described as of the deployment's recorded end
 * (`deployment.endedAt`), from fields nothing changes after it (the change's final status and
 * reason, the deployment record), so the entry that ends the deployment records its SHA-256
 * ({@link canaryReportSha256}) and an evidence pack's `canary-report.json` is checked against it.
 */

/** Where a step stands: still baking, held by a pause, decided, or cut short by a rollback. */
export type ReportStepState = 'baking' | 'paused' | 'decided' | 'interrupted';

/** One canary step as the report shows it. Fields not yet known (a step in progress) are null. */
export interface CanaryReportStep {
  /** 1-based position in the deployment's history. */
  readonly step: number;
  /** % of traffic requested on the new version. */
  readonly weight: number;
  /** When the alias was shifted to `weight`. */
  readonly at: string;
  /** When the step was checked and decided. */
  readonly checkedAt: string | null;
  readonly state: ReportStepState;
  /** % of requests the new version actually served (by ExecutedVersion); null without requests. */
  readonly observedNewPercent: number | null;
  /** The window the observed stats cover. */
  readonly window: { readonly from: string; readonly to: string } | null;
  readonly old: VersionStats | null;
  readonly new: VersionStats | null;
  readonly alarms: readonly { readonly name: string; readonly state: string }[];
  /** A health-driven step (a ramp): each comparison of the new version with the limits and the old version. Absent otherwise. */
  readonly health?: HealthCheck;
  readonly decision: StepDecision | null;
  readonly reason: string | null;
}

/** One segment of the error-rate series: the rates of both versions over one step's observation window. */
export interface ErrorRateSegment {
  readonly step: number;
  readonly from: string;
  readonly to: string;
  readonly old: number | null;
  readonly new: number | null;
}

/** The chart's data: weight is a step function (each point holds until the next one). */
export interface ReportTimeline {
  /** Start and end of the chart; null without any canary step. */
  readonly from: string | null;
  readonly to: string | null;
  readonly weight: readonly { readonly at: string; readonly percent: number }[];
  readonly errorRate: readonly ErrorRateSegment[];
}

/** The canary report of one change. */
export interface CanaryReport {
  readonly changeId: string;
  readonly target: string;
  readonly title: string;
  readonly version: string;
  /** The version live before the deployment (the base version when nothing was deployed yet). */
  readonly fromVersion: string | null;
  readonly fromFunctionVersion: string | null;
  readonly toFunctionVersion: string | null;
  readonly strategy: StrategyName | null;
  readonly deploymentConfig: string | null;
  /** The planned weights in %, and bake times in s. */
  readonly plannedSteps: readonly number[];
  readonly bakeSeconds: number | null;
  readonly finalBakeSeconds: number | null;
  readonly currentWeight: number | null;
  readonly status: ChangeStatus;
  readonly outcome: 'deployed' | 'rolled_back' | null;
  readonly reason: string | null;
  readonly startedAt: string | null;
  /** When the deployment ended (best known time); null while it runs. */
  readonly endedAt: string | null;
  readonly paused: { readonly by: string; readonly at: string; readonly reason: string } | null;
  readonly promoteRequested: { readonly by: string; readonly at: string; readonly reason: string } | null;
  readonly steps: readonly CanaryReportStep[];
  readonly smokeTests: readonly SmokeTestRun[];
  readonly timeline: ReportTimeline;
  /** The time the report describes: an ended deployment's end; else the caller's "now", else the change's last update. */
  readonly asOf: string;
}

/**
 * Builds the canary report of a change. Tolerates changes that never deployed (no steps) and
 * steps in progress (no observation, alarms or decision yet).
 * @param options.now - the time a deployment still running is shown up to (default: the change's
 *   `updatedAt`); ignored once the deployment recorded its end
 */
export function canaryReport(change: Change, options: { now?: Date } = {}): CanaryReport {
  const d = change.deployment;
  const history = d?.history ?? [];
  const outcome = d?.outcome ?? null;
  const steps = history.map((h, i) => reportStep(h, i, i === history.length - 1, d));
  // Deployments ended before `endedAt` was recorded: the best time the record shows.
  const endedAt = d?.endedAt ?? (d && outcome ? endTime(d, change.updatedAt) : null);
  const asOf = d?.endedAt ?? options.now?.toISOString() ?? change.updatedAt;
  return {
    changeId: change.changeId,
    target: change.target,
    title: change.title,
    version: change.version,
    fromVersion: d?.fromVersion ?? change.baseVersion,
    fromFunctionVersion: d?.fromFunctionVersion ?? null,
    toFunctionVersion: d?.toFunctionVersion ?? null,
    strategy: d?.strategy ?? null,
    deploymentConfig: d ? strategyOf(d.strategy).deploymentConfigOf(d) : null,
    plannedSteps: d?.steps ?? change.plan.canary.steps,
    bakeSeconds: d?.bakeSeconds ?? null,
    finalBakeSeconds: d ? (d.finalBakeSeconds ?? d.bakeSeconds) : null,
    currentWeight: d?.currentWeight ?? null,
    status: change.status,
    outcome,
    reason: d?.reason ?? change.reason ?? null,
    startedAt: d?.startedAt ?? null,
    endedAt,
    paused: d?.paused ?? null,
    promoteRequested: d?.promoteRequested ?? null,
    steps,
    smokeTests: d?.smokeTests ?? [],
    timeline: timeline(d, steps, endedAt ?? asOf),
    asOf,
  };
}

/**
 * The SHA-256 (hex) of a canary report as canonical JSON (RFC 8785, `canonicalize`): what the
 * entry ending a deployment records, and what a verifier recomputes from a report it parsed
 * (key order and whitespace do not count).
 */
export const canaryReportSha256 = (report: CanaryReport): string => canonicalSha256(report);

function reportStep(h: CanaryStepRecord, i: number, last: boolean, d: DeploymentRecord | undefined): CanaryReportStep {
  const state: ReportStepState = h.decision ? 'decided' : !last || d?.outcome || d?.endedAt ? 'interrupted' : d?.paused ? 'paused' : 'baking';
  return {
    step: i + 1,
    weight: h.weight,
    at: h.at,
    checkedAt: h.checkedAt ?? null,
    state,
    observedNewPercent: h.observed?.newSharePercent ?? null,
    window: h.observed ? { from: h.observed.from, to: h.observed.to } : null,
    old: h.observed?.old ?? null,
    new: h.observed?.new ?? null,
    alarms: h.alarms ?? [],
    // Only when recorded: the reports (and hashes) of steps without it stay as they were.
    ...(h.health ? { health: h.health } : {}),
    decision: h.decision ?? null,
    reason: h.reason ?? null,
  };
}

/**
 * The latest time the record shows for an ended deployment: a check, a shift or a smoke test run.
 * A step cut short (rolled back by an alarm event or /abort) was last written when it ended: `updatedAt`.
 */
function endTime(d: DeploymentRecord, updatedAt: string): string {
  const last = d.history[d.history.length - 1];
  if (!last?.decision) return updatedAt;
  const times = [...d.history.flatMap((h) => [h.at, h.checkedAt ?? h.at]), ...(d.smokeTests ?? []).map((s) => s.at)];
  return times.reduce((a, b) => (Date.parse(b) > Date.parse(a) ? b : a));
}

function timeline(d: DeploymentRecord | undefined, steps: readonly CanaryReportStep[], end: string): ReportTimeline {
  if (!d || steps.length === 0) return { from: null, to: null, weight: [], errorRate: [] };
  const first = steps[0].at;
  const from = d.startedAt && Date.parse(d.startedAt) < Date.parse(first) ? d.startedAt : first;
  const times = [end, ...steps.flatMap((s) => [s.at, s.checkedAt ?? s.at, s.window?.to ?? s.at])];
  const to = times.reduce((a, b) => (Date.parse(b) > Date.parse(a) ? b : a));
  const weight = [
    ...(from === first ? [] : [{ at: from, percent: 0 }]),
    ...steps.map((s) => ({ at: s.at, percent: s.weight })),
    ...(d.outcome === 'rolled_back' ? [{ at: to, percent: 0 }] : []),
  ];
  const errorRate = steps.flatMap((s) =>
    s.window ? [{ step: s.step, from: s.window.from, to: s.window.to, old: s.old?.errorRatePercent ?? null, new: s.new?.errorRatePercent ?? null }] : [],
  );
  return { from, to, weight, errorRate };
}

// ---------------------------------------------------------------------------------------------
