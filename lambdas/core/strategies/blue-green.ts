import { DEFAULT_BLUE_GREEN } from '../target-settings';
import type { DeploymentStrategy } from './strategy';

/**
 * The blue-green strategy: the new version ("green") is published and, when the target sets
 * `blueGreen.provisionedConcurrency`, given that many provisioned execution environments, which
 * Lambda must report READY before anything else happens (use-cases/warm-capacity.ts: warmUp; the
 * workflow's WarmUp ⇄ AwaitWarmUp loop; FAILED fails the change with nothing switched). Then the
 * canary loop runs with one step: smoke tests on the new version, the alias switched 0 → 100 % in
 * one update, a bake of `blueGreen.bakeSeconds` with the alarms watched while the old version
 * ("blue") keeps its environments warm — an alarm or an /abort switches the alias back to it at
 * once, which is the rollback. After the bake the old version's provisioned concurrency is released
 * (a rollback or a failure releases the new one's instead).
 *
 * Controls: abort (switch back) and promote (end the bake early). Pause and resume are refused:
 * there is no intermediate weight to hold, and holding both versions warm indefinitely only costs.
 */
export const blueGreen: DeploymentStrategy = {
  name: 'blue-green',
  workflowMode: 'blue-green',
  requireAvailable: () => undefined,
  start: (plan) => {
    const { provisionedConcurrency, bakeSeconds } = plan.blueGreen ?? DEFAULT_BLUE_GREEN;
    return {
      steps: [100],
      record: { bakeSeconds, finalBakeSeconds: bakeSeconds, ...(provisionedConcurrency ? { warmUp: { provisionedConcurrency } } : {}) },
      details: { steps: [100], bakeSeconds, provisionedConcurrency: provisionedConcurrency ?? null },
    };
  },
  movesAliasItself: false,
  endedOutsideCmv: async () => undefined,
  acceptsLifecycleHook: () => false,
  prepareAlarmRollback: async (_svc, _change, d, alarm) => ({
    reason: `alarm ${alarm.name} in ALARM ${d.currentWeight > 0 ? 'after the switch' : 'before the switch'}: ${alarm.reason}`,
    action: 'rolled_back',
  }),
  // The rollback itself switches back and releases the new version's provisioned concurrency (deploy.ts: rollBack).
  stopAfterRollback: async () => undefined,
  // Deployed: the old version, which stayed warm through the bake. Otherwise: the new one, if it was asked for any.
  warmToRelease: (d, outcome) => {
    if (outcome === 'deployed') return d.toFunctionVersion && d.toFunctionVersion !== d.fromFunctionVersion ? [d.fromFunctionVersion] : [];
    return d.warmUp?.requestedAt && d.toFunctionVersion && d.toFunctionVersion !== d.fromFunctionVersion ? [d.toFunctionVersion] : [];
  },
  controls: ['promote', 'abort'],
  controlRefusal: (control, changeId) =>
    `a blue-green deployment cannot ${control}: change ${changeId} switches all traffic at once, so there is no step to hold (abort switches back to the old version, promote ends the bake)`,
  describePlan: (plan) => {
    const bake = plan.finalBakeSeconds ?? plan.bakeSeconds;
    return `blue-green: warm-up, switch 0 → 100 %${bake === null ? '' : `, bake ${bake} s with the old version warm`}`;
  },
  deploymentConfigOf: () => null,
  progress: (d) => {
    if (d.currentWeight >= 100) return `blue-green: switched, baking with version ${d.fromFunctionVersion} warm`;
    if (d.warmUp && !d.warmUp.readyAt) return `blue-green: warming version ${d.toFunctionVersion ?? '(not published yet)'}`;
    return 'blue-green: before the switch';
  },
};
