import type { DeploymentStrategy, PlanFacts } from './strategy';

/**
 * The alias-weights strategy: CMV shifts the alias itself, step by step (the plan's weights), bakes
 * each step and checks the alarms and the operator's controls (use-cases/deploy.ts: shiftTraffic,
 * checkCanary; the workflow's `canary` loop). A rollback is CMV moving the alias back, so nothing
 * else needs stopping.
 */

/** `<label>: 10 → 50 → 100 %, bake 60 s per step, 120 s at 100 %` (no bake part without bake times). */
export function describeCanaryPlan(label: string, plan: PlanFacts): string {
  const bake = plan.bakeSeconds === null ? '' : `, bake ${plan.bakeSeconds} s per step, ${plan.finalBakeSeconds} s at 100 %`;
  return `${label}: ${plan.plannedSteps.join(' → ')} %${bake}`;
}

export const aliasWeights: DeploymentStrategy = {
  name: 'alias-weights',
  workflowMode: 'canary',
  requireAvailable: () => undefined,
  start: (plan) => {
    const { steps, bakeSeconds, finalBakeSeconds } = plan.canary;
    return { steps, record: {}, details: { steps, bakeSeconds, finalBakeSeconds: finalBakeSeconds ?? bakeSeconds } };
  },
  movesAliasItself: false,
  endedOutsideCmv: async () => undefined,
  acceptsLifecycleHook: () => false,
  prepareAlarmRollback: async (_svc, _change, d, alarm) => ({
    reason: `alarm ${alarm.name} in ALARM at ${d.currentWeight}%: ${alarm.reason}`,
    action: 'rolled_back',
  }),
  stopAfterRollback: async () => undefined,
  warmToRelease: () => [],
  controls: ['pause', 'resume', 'promote', 'abort'],
  controlRefusal: (control, changeId) => `cannot ${control} change ${changeId}`,
  describePlan: (plan) => describeCanaryPlan('alias-weights', plan),
  deploymentConfigOf: () => null,
  progress: (d) => `canary ${d.currentWeight}%${d.history.length ? `, step ${d.history.length}/${d.steps.length}` : ''}`,
};
