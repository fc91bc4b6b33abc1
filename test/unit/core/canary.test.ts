import { decideAfterBake, routeForWeight } from '../../../lambdas/core/canary';
import type { AlarmStatus } from '../../../lambdas/core/ports';

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
});
