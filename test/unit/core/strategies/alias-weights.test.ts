import type { Change, DeploymentRecord } from '../../../../lambdas/core/change';
import type { ChangePlan } from '../../../../lambdas/core/policy/change-plan';
import { aliasWeights, describeCanaryPlan } from '../../../../lambdas/core/strategies/alias-weights';
import type { Services } from '../../../../lambdas/core/use-cases/services';

const plan = {
  canary: { steps: [10, 50, 100], bakeSeconds: 60, finalBakeSeconds: 120 },
  deploymentConfig: 'CodeDeployDefault.LambdaAllAtOnce',
} as unknown as ChangePlan;
const deployment = (over: Partial<DeploymentRecord> = {}): DeploymentRecord => ({
  strategy: 'alias-weights',
  functionName: 'fn',
  alias: 'live',
  fromVersion: '1.0.0',
  fromFunctionVersion: '1',
  steps: [10, 50, 100],
  bakeSeconds: 60,
  currentWeight: 10,
  history: [{ weight: 10, at: '2025-01-01T00:00:00Z' }],
  ...over,
});
const svc = {} as Services;

describe('strategies/alias-weights', () => {
  describe('start()', () => {
    it('shifts to the plan’s weights and records its bake times, the final bake defaulting to the step bake', () => {
      expect(aliasWeights.start(plan)).toEqual({ steps: [10, 50, 100], record: {}, details: { steps: [10, 50, 100], bakeSeconds: 60, finalBakeSeconds: 120 } });
      const noFinal = { ...plan, canary: { steps: [100], bakeSeconds: 30 } } as unknown as ChangePlan;
      expect(aliasWeights.start(noFinal).details).toEqual({ steps: [100], bakeSeconds: 30, finalBakeSeconds: 30 });
    });

    it('runs in the workflow’s canary loop, moving the alias through CMV', () => {
      expect(aliasWeights.workflowMode).toBe('canary');
      expect(aliasWeights.movesAliasItself).toBe(false);
      expect(() => aliasWeights.requireAvailable({} as Services['settings'])).not.toThrow();
    });
  });

  describe('controls', () => {
    it('allows every operator control', () => {
      expect(aliasWeights.controls).toEqual(['pause', 'resume', 'promote', 'abort']);
    });
  });

  describe('prepareAlarmRollback()', () => {
    it('rolls back at the current weight, with the alarm’s reason', async () => {
      const result = await aliasWeights.prepareAlarmRollback(svc, {} as Change, deployment({ currentWeight: 50 }), {
        name: 'cmv-t-error-rate',
        reason: 'Threshold crossed',
        at: 'x',
      });
      expect(result).toEqual({ reason: 'alarm cmv-t-error-rate in ALARM at 50%: Threshold crossed', action: 'rolled_back' });
    });
  });

  describe('observing and stopping', () => {
    it('sees no end outside CMV, accepts no lifecycle hook and has nothing to stop after a rollback', async () => {
      expect(await aliasWeights.endedOutsideCmv(svc, {} as Change, 'bake')).toBeUndefined();
      expect(aliasWeights.acceptsLifecycleHook(deployment(), 'd-1')).toBe(false);
      await expect(aliasWeights.stopAfterRollback(svc, {} as Change)).resolves.toBeUndefined();
      expect(aliasWeights.rollbackTrigger).toBeUndefined();
    });
  });

  describe('descriptions', () => {
    it('describes the plan as its weights and bake times', () => {
      const facts = { deploymentConfig: null, plannedSteps: [10, 100], bakeSeconds: 60, finalBakeSeconds: 90 };
      expect(aliasWeights.describePlan(facts)).toBe('alias-weights: 10 → 100 %, bake 60 s per step, 90 s at 100 %');
      expect(describeCanaryPlan('not deployed yet', { ...facts, bakeSeconds: null })).toBe('not deployed yet: 10 → 100 %');
    });

    it('shows the canary weight and step for the CLI, and names no deployment config', () => {
      expect(aliasWeights.progress(deployment())).toBe('canary 10%, step 1/3');
      expect(aliasWeights.progress(deployment({ currentWeight: 0, history: [] }))).toBe('canary 0%');
      expect(aliasWeights.deploymentConfigOf(deployment({ deploymentConfig: 'x' }))).toBeNull();
    });
  });
});
