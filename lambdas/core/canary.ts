import type { HealthCheck } from './canary-health';
import type { CanaryStepRecord, StepObservation } from './change';
import type { AlarmStatus, VersionStats } from './observations';
import type { StepDecision } from './workflow-state';

/**
 * Canary plans and decisions for a Lambda alias with weighted routing.
 * Weights are % of traffic on the new version; bake time is in s.
 */

/** The alias routing for a step: at 100 % the alias points at the new version alone. */
export function routeForWeight(weight: number, fromVersion: string, toVersion: string) {
  if (weight >= 100) return { functionVersion: toVersion };
  return { functionVersion: fromVersion, additionalVersion: toVersion, additionalWeight: Math.round(weight * 100) / 10_000 };
}

/** What to do after a bake. */
export interface CanaryDecision {
  readonly decision: StepDecision;
  readonly reason: string;
}

/**
 * Decides after the bake of step `stepIndex` of `steps`: roll back if any alarm went to ALARM
 * since the deployment started (an alarm already firing before it does not count), promote
 * after the last step, continue otherwise.
 * @param deploymentStartedAt - ISO-8601 time the deployment started
 */
export function decideAfterBake(alarms: readonly AlarmStatus[], stepIndex: number, steps: readonly number[], deploymentStartedAt: string): CanaryDecision {
  const firing = firingAlarms(alarms, deploymentStartedAt);
  if (firing.length > 0) {
    return { decision: 'rollback', reason: `alarm ${firing.map((a) => a.name).join(', ')} in ALARM at ${steps[stepIndex]}%: ${firing[0].reason}` };
  }
  if (stepIndex >= steps.length - 1) return { decision: 'promote', reason: `healthy at ${steps[stepIndex]}% after the last bake` };
  return { decision: 'continue', reason: `healthy at ${steps[stepIndex]}%` };
}

/** Alarms that count against a deployment: in ALARM, and moved there after it started (ISO-8601 times). */
export function firingAlarms(alarms: readonly AlarmStatus[], deploymentStartedAt: string): AlarmStatus[] {
  return alarms.filter((a) => a.state === 'ALARM' && Date.parse(a.updatedAt) >= Date.parse(deploymentStartedAt));
}

/** What a canary check sees. Times ISO-8601, weights in %, bake times in s. */
export interface CanaryCheckInput {
  readonly deploymentStartedAt: string;
  readonly steps: readonly number[];
  readonly stepIndex: number;
  /** How long the current step has baked so far (its bake waits since the shift, on the workflow's clock; pauses excluded). */
  readonly bakedSeconds: number;
  readonly bakeSeconds: number;
  /** The bake after 100 %. */
  readonly finalBakeSeconds: number;
  readonly alarms: readonly AlarmStatus[];
  readonly paused?: { readonly by: string };
  readonly promoteRequested?: { readonly by: string };
  /**
   * A health-driven canary (a ramp): the step's health over its window (canary-health.ts
   * `judgeHealth`), and how many bakes the step may last while the new version's sample is too small.
   */
  readonly health?: { readonly check: HealthCheck; readonly maxBakes: number };
}

/**
 * The verdict of one check: keep baking (`waitSeconds`: all of the bake time left, in one wait that a
 * pause, a promotion, an abort or an alarm's rollback ends early), hold (`paused`), or decide the step:
 * `continue` to `nextStepIndex`, `promote`, or `rollback`.
 */
export type CanaryVerdict =
  | { readonly kind: 'bake'; readonly waitSeconds: number }
  | { readonly kind: 'paused' }
  | { readonly kind: 'decided'; readonly decision: CanaryDecision['decision']; readonly reason: string; readonly nextStepIndex: number };

/**
 * Decides what the canary does now. In order: an alarm that went to ALARM since the deployment
 * started rolls back (an alarm already firing before it does not count: SAM issue #716); an operator's
 * promote skips the remaining steps (straight to 100 %, then promotion without the final bake); a pause
 * holds the current weight; a step still baking bakes on; then the step is healthy and the canary
 * continues, or promotes after the final bake at 100 %.
 */
export function checkStep(input: CanaryCheckInput): CanaryVerdict {
  const weight = input.steps[input.stepIndex];
  const last = input.steps.length - 1;
  const firing = firingAlarms(input.alarms, input.deploymentStartedAt);
  if (firing.length > 0) {
    const reason = `alarm ${firing.map((a) => a.name).join(', ')} in ALARM at ${weight}%: ${firing[0].reason}`;
    return { kind: 'decided', decision: 'rollback', reason, nextStepIndex: input.stepIndex };
  }
  if (input.promoteRequested) {
    if (input.stepIndex < last) {
      return {
        kind: 'decided',
        decision: 'continue',
        reason: `promoted by ${input.promoteRequested.by} at ${weight}%: remaining steps skipped`,
        nextStepIndex: last,
      };
    }
    return { kind: 'decided', decision: 'promote', reason: `promoted by ${input.promoteRequested.by}`, nextStepIndex: last };
  }
  if (input.paused) return { kind: 'paused' };
  const bake = input.stepIndex >= last ? input.finalBakeSeconds : input.bakeSeconds;
  const remaining = bake - input.bakedSeconds;
  if (remaining > 0) return { kind: 'bake', waitSeconds: remaining };
  const judged = input.health && healthVerdict(input.health, weight, bake, input.bakedSeconds);
  if (judged) return judged.kind === 'decided' ? { ...judged, nextStepIndex: input.stepIndex } : judged;
  const verdict = decideAfterBake(input.alarms, input.stepIndex, input.steps, input.deploymentStartedAt);
  return {
    kind: 'decided',
    decision: verdict.decision,
    reason: verdict.reason,
    nextStepIndex: verdict.decision === 'continue' ? input.stepIndex + 1 : input.stepIndex,
  };
}

/**
 * What a health-driven step's health decides once its bake is over, or undefined when it is
 * healthy (the step goes on as any other): an unhealthy step rolls back naming its failed
 * comparisons; a sample too small bakes again — up to `maxBakes` bakes in all — then rolls back
 * (a canary that cannot show its health is not promoted). A bake of 0 s never waits for more data.
 */
function healthVerdict(
  health: NonNullable<CanaryCheckInput['health']>,
  weight: number,
  bake: number,
  bakedSeconds: number,
): { kind: 'bake'; waitSeconds: number } | { kind: 'decided'; decision: 'rollback'; reason: string } | undefined {
  const { check, maxBakes } = health;
  const failed = check.comparisons.filter((c) => c.result === 'fail').map((c) => c.text);
  if (check.verdict === 'unhealthy') return { kind: 'decided', decision: 'rollback', reason: `unhealthy at ${weight}%: ${failed.join('; ')}` };
  if (check.verdict !== 'insufficient') return undefined;
  const allowed = bake * maxBakes;
  if (bakedSeconds < allowed) return { kind: 'bake', waitSeconds: Math.min(bake, allowed - bakedSeconds) };
  const bakes = bake > 0 ? Math.round(bakedSeconds / bake) : 1;
  return {
    kind: 'decided',
    decision: 'rollback',
    reason: `insufficient sample at ${weight}%: ${failed.join('; ')} after ${bakes} bake${bakes === 1 ? '' : 's'} (${Math.round(bakedSeconds)} s)`,
  };
}

/** The % of traffic on the new version that an alias routing means (0 when it routes to neither). */
export function aliasWeight(alias: { functionVersion: string; additionalVersion?: string; additionalWeight?: number }, newVersion: string): number {
  if (alias.functionVersion === newVersion && !alias.additionalVersion) return 100;
  if (alias.additionalVersion === newVersion) return Math.round((alias.additionalWeight ?? 0) * 10_000) / 100;
  if (alias.functionVersion === newVersion) return Math.round((1 - (alias.additionalWeight ?? 0)) * 10_000) / 100;
  return 0;
}

/** A step's observation from the stats of the old and new versions over [from, to): the split by executed version. */
export function observe(old: VersionStats, next: VersionStats, from: string, to: string): StepObservation {
  const total = old.requests + next.requests;
  return { newSharePercent: total === 0 ? null : Math.round((10_000 * next.requests) / total) / 100, old, new: next, from, to };
}

/**
 * The canary's step history with the rollback recorded as its last decision, so that a rolled-back
 * deployment's history always ends in `rollback`: a step still open (an alarm's event, an abort, a
 * failed smoke test mid-bake) is decided by the rollback; when every step was already decided (the
 * rollback came between a `continue` and the next shift) a step at the current weight is appended;
 * a last step that decided the rollback itself (the check's) is the rollback already.
 * A history without steps stays empty: no traffic ever moved (e.g. smoke tests failed before it).
 * @param currentWeight - % of traffic on the new version when the rollback was decided
 * @param at - ISO-8601 time of the rollback
 */
export function historyWithRollback(
  history: readonly CanaryStepRecord[],
  currentWeight: number,
  at: string,
  reason: string,
  alarm?: { readonly name: string },
): CanaryStepRecord[] {
  const alarms = alarm ? { alarms: [{ name: alarm.name, state: 'ALARM' }] } : {};
  const open = history.at(-1);
  if (!open) return [];
  if (!open.decision) return [...history.slice(0, -1), { ...open, checkedAt: at, decision: 'rollback', reason, ...alarms }];
  // The check itself decided the rollback (an alarm seen at the check, an unhealthy step): already recorded.
  if (open.decision === 'rollback') return [...history];
  return [...history, { weight: currentWeight, at, checkedAt: at, decision: 'rollback', reason, ...alarms }];
}
