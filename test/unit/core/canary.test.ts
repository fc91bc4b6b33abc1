import { aliasWeight, type CanaryCheckInput, checkStep, decideAfterBake, historyWithRollback, observe, routeForWeight } from '../../../lambdas/core/canary';
import type { HealthCheck, HealthComparison } from '../../../lambdas/core/canary-health';
import type { AlarmStatus } from '../../../lambdas/core/observations';

const STARTED = '2026-03-01T09:00:00.000Z';
const STEPS = [10, 50, 100];

const alarm = (state: AlarmStatus['state'], updatedAt: string, name = 'cmv-benefit-calculator-error-rate'): AlarmStatus => ({
  name,
  state,
  reason: `Threshold Crossed: 1 datapoint [12.5] was greater than the threshold (5.0).`,
  updatedAt,
});

describe('canary', () => {
  describe('routeForWeight()', () => {
    it('keeps the alias on the old version with 10 % on the new one when the weight is 10', () => {
      expect(routeForWeight(10, '1', '2')).toEqual({ functionVersion: '1', additionalVersion: '2', additionalWeight: 0.1 });
    });

    it.each([
      [1, 0.01],
      [33, 0.33],
      [50, 0.5],
      [99, 0.99],
    ])('gives an additional weight of %d %% as %d', (weight, fraction) => {
      expect(routeForWeight(weight, '7', '8').additionalWeight).toBe(fraction);
    });

    it('points the alias at the new version alone when the weight is 100', () => {
      expect(routeForWeight(100, '1', '2')).toEqual({ functionVersion: '2' });
    });
  });

  describe('decideAfterBake()', () => {
    it('rolls back naming the alarm and the weight when an alarm went to ALARM after the start', () => {
      // Arrange
      const alarms = [alarm('OK', STARTED, 'other-alarm'), alarm('ALARM', '2026-03-01T09:01:30.000Z')];

      // Act
      const decision = decideAfterBake(alarms, 1, STEPS, STARTED);

      // Assert
      expect(decision.decision).toBe('rollback');
      expect(decision.reason).toContain('cmv-benefit-calculator-error-rate');
      expect(decision.reason).toContain('50%');
      expect(decision.reason).not.toContain('other-alarm');
    });

    it('rolls back when the alarm went to ALARM at the very start', () => {
      expect(decideAfterBake([alarm('ALARM', STARTED)], 0, STEPS, STARTED).decision).toBe('rollback');
    });

    it('ignores an ALARM that was already firing before the deployment started', () => {
      const decision = decideAfterBake([alarm('ALARM', '2026-03-01T08:59:59.999Z')], 0, STEPS, STARTED);

      expect(decision).toEqual({ decision: 'continue', reason: 'healthy at 10%' });
    });

    it('promotes when the last step is healthy', () => {
      expect(decideAfterBake([alarm('OK', '2026-03-01T09:05:00.000Z')], 2, STEPS, STARTED)).toEqual({
        decision: 'promote',
        reason: 'healthy at 100% after the last bake',
      });
    });

    it('continues when the alarm has INSUFFICIENT_DATA at an early step', () => {
      expect(decideAfterBake([alarm('INSUFFICIENT_DATA', '2026-03-01T09:00:01.000Z')], 0, STEPS, STARTED)).toEqual({
        decision: 'continue',
        reason: 'healthy at 10%',
      });
    });

    it('rolls back instead of promoting when an alarm fires at the last step', () => {
      expect(decideAfterBake([alarm('ALARM', '2026-03-01T09:05:00.000Z')], 2, STEPS, STARTED).decision).toBe('rollback');
    });
  });

  describe('checkStep()', () => {
    const input = (over: Partial<CanaryCheckInput> = {}): CanaryCheckInput => ({
      deploymentStartedAt: STARTED,
      steps: [5, 25, 50, 100],
      stepIndex: 1,
      bakedSeconds: 0,
      bakeSeconds: 300,
      finalBakeSeconds: 600,
      alarms: [alarm('OK', '2026-03-01T09:02:00.000Z')],
      ...over,
    });

    it('bakes on for all of the bake time left in one wait (a wake ends it early), never in slices', () => {
      expect(checkStep(input({ bakedSeconds: 100 }))).toEqual({ kind: 'bake', waitSeconds: 200 });
      expect(checkStep(input({ bakeSeconds: 86_400, bakedSeconds: 0 }))).toEqual({ kind: 'bake', waitSeconds: 86_400 });
    });

    it('continues to the next step once the step has baked its bake time', () => {
      expect(checkStep(input({ bakedSeconds: 300 }))).toEqual({ kind: 'decided', decision: 'continue', reason: 'healthy at 25%', nextStepIndex: 2 });
    });

    it('bakes the final bake time at 100 % before promoting', () => {
      expect(checkStep(input({ stepIndex: 3, bakedSeconds: 300 }))).toEqual({ kind: 'bake', waitSeconds: 300 });
      expect(checkStep(input({ stepIndex: 3, bakedSeconds: 600 }))).toMatchObject({ kind: 'decided', decision: 'promote' });
    });

    it('rolls back at once, mid-bake, when an alarm went to ALARM after the start', () => {
      const verdict = checkStep(input({ bakedSeconds: 5, alarms: [alarm('ALARM', '2026-03-01T09:03:00.000Z')] }));

      expect(verdict).toMatchObject({ kind: 'decided', decision: 'rollback', nextStepIndex: 1 });
    });

    it('rolls back even when paused or asked to promote, when an alarm fires', () => {
      const alarms = [alarm('ALARM', '2026-03-01T09:03:00.000Z')];
      expect(checkStep(input({ alarms, paused: { by: 'dana' } }))).toMatchObject({ decision: 'rollback' });
      expect(checkStep(input({ alarms, promoteRequested: { by: 'dana' } }))).toMatchObject({ decision: 'rollback' });
    });

    it('holds when paused, even when the bake is over', () => {
      expect(checkStep(input({ bakedSeconds: 999, paused: { by: 'dana' } }))).toEqual({ kind: 'paused' });
    });

    it('skips the remaining steps straight to 100 % when promotion was requested, then promotes without the final bake', () => {
      expect(checkStep(input({ promoteRequested: { by: 'dana' } }))).toEqual({
        kind: 'decided',
        decision: 'continue',
        reason: 'promoted by dana at 25%: remaining steps skipped',
        nextStepIndex: 3,
      });
      expect(checkStep(input({ stepIndex: 3, promoteRequested: { by: 'dana' } }))).toEqual({
        kind: 'decided',
        decision: 'promote',
        reason: 'promoted by dana',
        nextStepIndex: 3,
      });
    });

    it('decides at once when the bake time is 0', () => {
      expect(checkStep(input({ bakeSeconds: 0 }))).toMatchObject({ kind: 'decided', decision: 'continue' });
    });

    describe('health-driven (a ramp)', () => {
      const comparison = (name: HealthComparison['name'], result: HealthComparison['result'], text: string): HealthComparison => ({
        name,
        result,
        value: 1,
        limit: 1,
        text,
      });
      const healthy: HealthCheck = { verdict: 'healthy', comparisons: [comparison('sample', 'pass', 'sample 60 requests ≥ 50')] };
      const slow: HealthCheck = {
        verdict: 'unhealthy',
        comparisons: [
          comparison('sample', 'pass', 'sample 60 requests ≥ 50'),
          comparison('p99', 'fail', 'p99 612 ms > 400 ms'),
          comparison('p99-vs-old', 'fail', 'p99 ratio 2.4 × old (612 ms vs 255 ms) > 1.5 ×'),
        ],
      };
      const few: HealthCheck = { verdict: 'insufficient', comparisons: [comparison('sample', 'fail', 'sample 12 requests on the new version < 50')] };

      it('continues when healthy, as any step', () => {
        expect(checkStep(input({ bakedSeconds: 300, health: { check: healthy, maxBakes: 3 } }))).toEqual({
          kind: 'decided',
          decision: 'continue',
          reason: 'healthy at 25%',
          nextStepIndex: 2,
        });
      });

      it('rolls back when unhealthy, naming every failed comparison', () => {
        expect(checkStep(input({ bakedSeconds: 300, health: { check: slow, maxBakes: 3 } }))).toEqual({
          kind: 'decided',
          decision: 'rollback',
          reason: 'unhealthy at 25%: p99 612 ms > 400 ms; p99 ratio 2.4 × old (612 ms vs 255 ms) > 1.5 ×',
          nextStepIndex: 1,
        });
      });

      it('rolls back an unhealthy last step instead of promoting', () => {
        expect(checkStep(input({ stepIndex: 3, bakedSeconds: 600, health: { check: slow, maxBakes: 3 } }))).toMatchObject({
          decision: 'rollback',
          nextStepIndex: 3,
        });
      });

      it('does not judge health before the bake is over', () => {
        expect(checkStep(input({ bakedSeconds: 100, health: { check: slow, maxBakes: 3 } }))).toEqual({ kind: 'bake', waitSeconds: 200 });
      });

      it('bakes another bake while the sample is too small, up to maxBakes bakes', () => {
        expect(checkStep(input({ bakedSeconds: 300, health: { check: few, maxBakes: 3 } }))).toEqual({ kind: 'bake', waitSeconds: 300 });
        expect(checkStep(input({ bakedSeconds: 750, health: { check: few, maxBakes: 3 } }))).toEqual({ kind: 'bake', waitSeconds: 150 });
      });

      it('rolls back when the sample is still too small after maxBakes bakes', () => {
        expect(checkStep(input({ bakedSeconds: 900, health: { check: few, maxBakes: 3 } }))).toEqual({
          kind: 'decided',
          decision: 'rollback',
          reason: 'insufficient sample at 25%: sample 12 requests on the new version < 50 after 3 bakes (900 s)',
          nextStepIndex: 1,
        });
      });

      it('never waits for more data with a bake of 0 s', () => {
        expect(checkStep(input({ bakeSeconds: 0, health: { check: few, maxBakes: 3 } }))).toMatchObject({
          decision: 'rollback',
          reason: 'insufficient sample at 25%: sample 12 requests on the new version < 50 after 1 bake (0 s)',
        });
      });

      it('lets an operator’s promote and pause, and an alarm, win over the health check', () => {
        const health = { check: slow, maxBakes: 3 };
        expect(checkStep(input({ bakedSeconds: 300, health, promoteRequested: { by: 'dana' } }))).toMatchObject({ decision: 'continue', nextStepIndex: 3 });
        expect(checkStep(input({ bakedSeconds: 300, health, paused: { by: 'dana' } }))).toEqual({ kind: 'paused' });
        const alarms = [alarm('ALARM', '2026-03-01T09:03:00.000Z')];
        expect(checkStep(input({ bakedSeconds: 300, health, alarms }))).toMatchObject({ decision: 'rollback', reason: expect.stringMatching(/^alarm /) });
      });
    });
  });

  describe('aliasWeight()', () => {
    it('reads the new version’s % from the alias routing', () => {
      expect(aliasWeight({ functionVersion: '1', additionalVersion: '2', additionalWeight: 0.25 }, '2')).toBe(25);
      expect(aliasWeight({ functionVersion: '2' }, '2')).toBe(100);
      expect(aliasWeight({ functionVersion: '1' }, '2')).toBe(0);
      expect(aliasWeight({ functionVersion: '2', additionalVersion: '1', additionalWeight: 0.1 }, '2')).toBe(90);
    });
  });

  describe('observe()', () => {
    const stats = (requests: number, errors: number) => ({
      requests,
      errors,
      throttles: 0,
      errorRatePercent: requests ? (100 * errors) / requests : null,
      p99Ms: requests ? 12 : null,
    });

    it('gives the new version’s share of the requests by executed version', () => {
      expect(observe(stats(75, 0), stats(25, 5), 'a', 'b')).toMatchObject({ newSharePercent: 25, new: { errorRatePercent: 20 } });
    });

    it('has no share without requests', () => {
      expect(observe(stats(0, 0), stats(0, 0), 'a', 'b').newSharePercent).toBeNull();
    });
  });
});

describe('historyWithRollback', () => {
  const at = '2026-11-29T10:00:00.000Z';

  it('decides the open step by the rollback, naming the alarm', () => {
    const history = [
      { weight: 10, at: '2026-11-29T09:00:00.000Z', decision: 'continue' as const, reason: 'healthy at 10%' },
      { weight: 50, at: '2026-11-29T09:30:00.000Z' },
    ];
    expect(historyWithRollback(history, 50, at, 'errors', { name: 'err' })).toEqual([
      history[0],
      { weight: 50, at: '2026-11-29T09:30:00.000Z', checkedAt: at, decision: 'rollback', reason: 'errors', alarms: [{ name: 'err', state: 'ALARM' }] },
    ]);
  });

  it('appends the rollback when it came between a continue and the next shift, so the history ends in rollback', () => {
    const history = [
      { weight: 10, at: '2026-11-29T09:00:00.000Z', checkedAt: '2026-11-29T09:05:00.000Z', decision: 'continue' as const, reason: 'healthy at 10%' },
    ];
    const after = historyWithRollback(history, 10, at, 'aborted by dana');
    expect(after).toEqual([history[0], { weight: 10, at, checkedAt: at, decision: 'rollback', reason: 'aborted by dana' }]);
  });

  it('keeps the history as it is when its last step already decided the rollback (the check rolled back: no second step)', () => {
    const history = [
      {
        weight: 30,
        at: '2026-11-29T09:00:00.000Z',
        checkedAt: '2026-11-29T09:05:00.000Z',
        decision: 'rollback' as const,
        reason: 'unhealthy at 30%: p99 616 ms > 400 ms',
      },
    ];
    expect(historyWithRollback(history, 30, at, 'unhealthy at 30%: p99 616 ms > 400 ms')).toEqual(history);
  });

  it('leaves a history without steps empty: no traffic moved', () => {
    expect(historyWithRollback([], 0, at, 'smoke tests failed')).toEqual([]);
  });
});
