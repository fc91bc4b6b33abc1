import type { AlarmStatus } from './ports';

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
  readonly decision: 'continue' | 'promote' | 'rollback';
  readonly reason: string;
}

/**
 * Decides after the bake of step `stepIndex` of `steps`: roll back if any alarm went to ALARM
 * since the deployment started (an alarm already firing before it does not count), promote
 * after the last step, continue otherwise.
 * @param deploymentStartedAt - ISO-8601 time the deployment started
 */
export function decideAfterBake(alarms: readonly AlarmStatus[], stepIndex: number, steps: readonly number[], deploymentStartedAt: string): CanaryDecision {
  const firing = alarms.filter((a) => a.state === 'ALARM' && a.updatedAt >= deploymentStartedAt);
  if (firing.length > 0) {
    return { decision: 'rollback', reason: `alarm ${firing.map((a) => a.name).join(', ')} in ALARM at ${steps[stepIndex]}%: ${firing[0].reason}` };
  }
  if (stepIndex >= steps.length - 1) return { decision: 'promote', reason: `healthy at ${steps[stepIndex]}% after the last bake` };
  return { decision: 'continue', reason: `healthy at ${steps[stepIndex]}%` };
}
