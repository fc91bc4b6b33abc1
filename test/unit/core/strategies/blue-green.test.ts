import type { DeploymentRecord } from '../../../../lambdas/core/change';
import type { ChangePlan } from '../../../../lambdas/core/policy/change-plan';
import { blueGreen } from '../../../../lambdas/core/strategies/blue-green';
import { strategyOf } from '../../../../lambdas/core/strategies/registry';

const plan = (blue?: ChangePlan['blueGreen']) =>
  ({ canary: { steps: [10, 100], bakeSeconds: 60, finalBakeSeconds: 60 }, blueGreen: blue }) as unknown as ChangePlan;
const deployment = (over: Partial<DeploymentRecord> = {}): DeploymentRecord => ({
  strategy: 'blue-green',
  functionName: 'fn',
  alias: 'live',
  fromVersion: '1.0.0',
  fromFunctionVersion: '1',
  toFunctionVersion: '2',
  steps: [100],
  bakeSeconds: 600,
  currentWeight: 0,
  history: [],
  ...over,
});

describe('strategies/blue-green', () => {
  it('is registered under its name and deploys in the blue-green loop, moving the alias through CMV', () => {
    expect(strategyOf('blue-green')).toBe(blueGreen);
    expect(blueGreen.workflowMode).toBe('blue-green');
    expect(blueGreen.movesAliasItself).toBe(false);
  });

  describe('start()', () => {
    it('switches in one step to 100 % and bakes the target’s blue-green bake, not the canary’s; warms when provisioned concurrency is set', () => {
      expect(blueGreen.start(plan({ provisionedConcurrency: 5, bakeSeconds: 600 }))).toEqual({
        steps: [100],
        record: { bakeSeconds: 600, finalBakeSeconds: 600, warmUp: { provisionedConcurrency: 5 } },
        details: { steps: [100], bakeSeconds: 600, provisionedConcurrency: 5 },
      });
    });

    it('does not warm without provisioned concurrency, and bakes the default 300 s for a plan made before blue-green existed', () => {
      expect(blueGreen.start(plan({ bakeSeconds: 30 })).record).toEqual({ bakeSeconds: 30, finalBakeSeconds: 30 });
      expect(blueGreen.start(plan(undefined)).record).toEqual({ bakeSeconds: 300, finalBakeSeconds: 300 });
    });
  });

  describe('warmToRelease()', () => {
    it('releases the old version once deployed (not when the version did not change)', () => {
      expect(blueGreen.warmToRelease(deployment(), 'deployed')).toEqual(['1']);
      expect(blueGreen.warmToRelease(deployment({ toFunctionVersion: '1' }), 'deployed')).toEqual([]);
    });

    it('releases the new version when rolled back or failed, only once its warm-up was requested', () => {
      const requested = deployment({ warmUp: { provisionedConcurrency: 2, requestedAt: '2026-03-02T09:00:00Z' } });
      expect(blueGreen.warmToRelease(requested, 'rolled_back')).toEqual(['2']);
      expect(blueGreen.warmToRelease(requested, 'failed')).toEqual(['2']);
      expect(blueGreen.warmToRelease(deployment({ warmUp: { provisionedConcurrency: 2 } }), 'failed')).toEqual([]);
    });
  });

  describe('controls', () => {
    it('allows abort (switch back) and promote (end the bake), and refuses pause and resume with the reason', () => {
      expect([...blueGreen.controls].sort()).toEqual(['abort', 'promote']);
      expect(blueGreen.controlRefusal('pause', 'chg-1')).toBe(
        'a blue-green deployment cannot pause: change chg-1 switches all traffic at once, so there is no step to hold (abort switches back to the old version, promote ends the bake)',
      );
    });
  });

  describe('alarm rollback and descriptions', () => {
    it('rolls back itself, saying whether the alarm fired before or after the switch', async () => {
      const alarm = { name: 'cmv-svc-error-rate', reason: 'Threshold Crossed', at: '2026-03-02T09:00:00Z' };
      const d = deployment({ currentWeight: 100 });
      await expect(blueGreen.prepareAlarmRollback({} as never, {} as never, d, alarm)).resolves.toEqual({
        reason: 'alarm cmv-svc-error-rate in ALARM after the switch: Threshold Crossed',
        action: 'rolled_back',
      });
    });

    it('describes its progress: warming, before the switch, switched with the old version warm', () => {
      expect(blueGreen.progress(deployment({ warmUp: { provisionedConcurrency: 2 } }))).toBe('blue-green: warming version 2');
      expect(blueGreen.progress(deployment())).toBe('blue-green: before the switch');
      expect(blueGreen.progress(deployment({ currentWeight: 100 }))).toBe('blue-green: switched, baking with version 1 warm');
      expect(blueGreen.describePlan({ deploymentConfig: null, plannedSteps: [100], bakeSeconds: 600, finalBakeSeconds: 600 })).toBe(
        'blue-green: warm-up, switch 0 → 100 %, bake 600 s with the old version warm',
      );
    });
  });
});
