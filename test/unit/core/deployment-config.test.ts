import { nextCodeDeployLook, PREDEFINED_LAMBDA_CONFIGS, resolveDeploymentConfig, trafficShifts } from '../../../lambdas/core/deployment-config';
import { ValidationError } from '../../../lambdas/core/errors';
import type { CustomDeploymentConfig } from '../../../lambdas/core/target-settings';

const CANARY_20: CustomDeploymentConfig = { name: 'cmv-benefit-calculator-canary-20', type: 'canary', percentage: 20, intervalMinutes: 1 };
const LINEAR_25: CustomDeploymentConfig = { name: 'linear-25', type: 'linear', percentage: 25, intervalMinutes: 2 };

describe('deployment-config', () => {
  describe('PREDEFINED_LAMBDA_CONFIGS', () => {
    it('lists every CodeDeployDefault.Lambda config', () => {
      // Assert
      expect(Object.keys(PREDEFINED_LAMBDA_CONFIGS).sort()).toEqual(
        [
          'CodeDeployDefault.LambdaAllAtOnce',
          'CodeDeployDefault.LambdaCanary10Percent5Minutes',
          'CodeDeployDefault.LambdaCanary10Percent10Minutes',
          'CodeDeployDefault.LambdaCanary10Percent15Minutes',
          'CodeDeployDefault.LambdaCanary10Percent30Minutes',
          'CodeDeployDefault.LambdaLinear10PercentEvery1Minute',
          'CodeDeployDefault.LambdaLinear10PercentEvery2Minutes',
          'CodeDeployDefault.LambdaLinear10PercentEvery3Minutes',
          'CodeDeployDefault.LambdaLinear10PercentEvery10Minutes',
        ].sort(),
      );
    });

    it.each(Object.entries(PREDEFINED_LAMBDA_CONFIGS))('routes %s as its name says', (name, routing) => {
      // Arrange
      const m = /Lambda(?:Canary(\d+)Percent(\d+)Minutes|Linear(\d+)PercentEvery(\d+)Minutes?|AllAtOnce)$/.exec(name);
      // Assert
      if (m?.[1]) expect(routing).toEqual({ type: 'TimeBasedCanary', percentage: Number(m[1]), intervalMinutes: Number(m[2]) });
      else if (m?.[3]) expect(routing).toEqual({ type: 'TimeBasedLinear', percentage: Number(m[3]), intervalMinutes: Number(m[4]) });
      else expect(routing).toEqual({ type: 'AllAtOnce' });
    });
  });

  describe('resolveDeploymentConfig()', () => {
    it('resolves a full predefined name to itself', () => {
      // Act
      const resolved = resolveDeploymentConfig('CodeDeployDefault.LambdaLinear10PercentEvery3Minutes');
      // Assert
      expect(resolved).toEqual({
        name: 'CodeDeployDefault.LambdaLinear10PercentEvery3Minutes',
        routing: { type: 'TimeBasedLinear', percentage: 10, intervalMinutes: 3 },
        predefined: true,
      });
    });

    it.each([
      ['Canary10Percent5Minutes', 'CodeDeployDefault.LambdaCanary10Percent5Minutes'],
      ['LambdaCanary10Percent30Minutes', 'CodeDeployDefault.LambdaCanary10Percent30Minutes'],
      ['Linear10PercentEvery1Minute', 'CodeDeployDefault.LambdaLinear10PercentEvery1Minute'],
      ['AllAtOnce', 'CodeDeployDefault.LambdaAllAtOnce'],
    ])('resolves the short name %s to %s', (short, full) => {
      // Act / Assert
      expect(resolveDeploymentConfig(short).name).toBe(full);
    });

    it('resolves a custom config by its name, with its routing', () => {
      // Act
      const resolved = resolveDeploymentConfig('cmv-benefit-calculator-canary-20', [LINEAR_25, CANARY_20]);
      // Assert
      expect(resolved).toEqual({
        name: 'cmv-benefit-calculator-canary-20',
        routing: { type: 'TimeBasedCanary', percentage: 20, intervalMinutes: 1 },
        predefined: false,
      });
    });

    it('resolves a custom linear config to TimeBasedLinear', () => {
      // Act / Assert
      expect(resolveDeploymentConfig('linear-25', [LINEAR_25]).routing).toEqual({ type: 'TimeBasedLinear', percentage: 25, intervalMinutes: 2 });
    });

    it.each(['Canary10Percent6Minutes', 'CodeDeployDefault.AllAtOnce', 'cmv-unknown', ''])(
      'rejects %j with a ValidationError on codeDeploy.deploymentConfig',
      (name) => {
        // Act
        const act = () => resolveDeploymentConfig(name, [CANARY_20]);
        // Assert
        expect(act).toThrow(ValidationError);
        try {
          act();
        } catch (e) {
          expect((e as ValidationError).errors).toEqual([{ path: 'codeDeploy.deploymentConfig', message: expect.stringContaining(`"${name}"`) }]);
        }
      },
    );
  });

  describe('trafficShifts()', () => {
    it('shifts a canary to its percentage at once and to 100 % after its interval', () => {
      // Act / Assert
      expect(trafficShifts({ type: 'TimeBasedCanary', percentage: 10, intervalMinutes: 5 })).toEqual([
        { percent: 10, afterMinutes: 0 },
        { percent: 100, afterMinutes: 5 },
      ]);
    });

    it('shifts linearly by the percentage every interval, starting at once, ending at 100 %', () => {
      // Act
      const shifts = trafficShifts({ type: 'TimeBasedLinear', percentage: 10, intervalMinutes: 1 });
      // Assert
      expect(shifts.map((s) => s.percent)).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
      expect(shifts.map((s) => s.afterMinutes)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    });

    it('caps the last linear step at 100 % when the percentage does not divide 100', () => {
      // Act / Assert
      expect(trafficShifts({ type: 'TimeBasedLinear', percentage: 30, intervalMinutes: 2 })).toEqual([
        { percent: 30, afterMinutes: 0 },
        { percent: 60, afterMinutes: 2 },
        { percent: 90, afterMinutes: 4 },
        { percent: 100, afterMinutes: 6 },
      ]);
    });

    it('shifts all traffic at once for AllAtOnce', () => {
      // Act / Assert
      expect(trafficShifts({ type: 'AllAtOnce' })).toEqual([{ percent: 100, afterMinutes: 0 }]);
    });

    it.each([0, 100, 2.5])('rejects the percentage %d', (percentage) => {
      // Act / Assert
      expect(() => trafficShifts({ type: 'TimeBasedLinear', percentage, intervalMinutes: 1 })).toThrow(RangeError);
    });
  });
});

describe('nextCodeDeployLook()', () => {
  const canary = { type: 'TimeBasedCanary', percentage: 10, intervalMinutes: 5 } as const;

  it('looks again at the next shift (its interval and a margin) right after seeing a new weight', () => {
    expect(nextCodeDeployLook(canary, 10, 0)).toBe(330);
  });

  it('backs off from the margin while no weight was seen, at most half the interval', () => {
    expect([0, 1, 2, 3, 4].map((n) => nextCodeDeployLook(canary, 0, n))).toEqual([30, 60, 120, 150, 150]);
  });

  it('waits for the hook window at 100 %, where the deployment ends by event', () => {
    expect(nextCodeDeployLook(canary, 100, 0)).toBe(3660);
    expect(nextCodeDeployLook({ type: 'AllAtOnce' }, 0, 10)).toBe(3660);
  });
});
